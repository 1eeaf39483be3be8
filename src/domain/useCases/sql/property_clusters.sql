-- Property clusters: every offer of the run date, across all sources, with the cluster of
-- offers from other sources that describe the same property (same municipality, type and
-- currency; living area and price within the source contracts' tolerances). The clustering
-- itself is rendered in place of :property_clusters (src/domain/useCases/propertyClusters.ts),
-- the one definition market_stats_monthly counts properties with too.
-- One offer per cluster has property_cluster_id = source || ':' || id: its anchor.
WITH :property_clusters
SELECT source,
       id,
       municipality,
       property_type,
       -- rows written before listings had a currency: unknown, and never clustered
       coalesce(currency, 'unknown') AS currency,
       price,
       living_area,
       property_cluster_id,
       CAST(cluster_size AS BIGINT) AS cluster_size,
       cluster_sources,
       :run_id AS run_id
FROM property_clusters_of_day
