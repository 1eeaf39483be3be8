-- Property clusters: every offer of the run date, across all sources, with the cluster of
-- offers from other sources that describe the same property (same municipality, type and
-- currency; living area and price within the source contracts' tolerances). The clustering
-- itself is rendered in place of :property_clusters (src/domain/useCases/propertyClusters.ts),
-- the one definition market_stats_monthly counts properties with too.
-- One offer per cluster has property_cluster_id = source || ':' || id: its anchor.
WITH :property_clusters
SELECT l.source,
       l.id,
       l.municipality,
       l.property_type,
       -- rows written before listings had a currency: unknown, and never clustered
       coalesce(l.currency, 'unknown') AS currency,
       l.price,
       l.living_area,
       c.property_cluster_id,
       CAST(c.cluster_size AS BIGINT) AS cluster_size,
       c.cluster_sources,
       :run_id AS run_id
FROM listings l
JOIN property_clusters_of_day c ON c.source = l.source AND c.id = l.id
WHERE l.dt = :run_date
