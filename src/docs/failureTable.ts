import { type ErrorEntry, type ErrorName, errorCatalog } from '../domain/errors/errorCatalog.ts';
import { type ErrorCategory, errorCategories } from '../domain/errors/errorCategory.ts';

const cell = (text: string): string => text.replaceAll('|', '\\|');

/** The README's failure table: every error of the catalog, grouped by category. */
export function failureTableMarkdown(): string {
  const categories = Object.keys(errorCategories) as ErrorCategory[];
  const legend = categories.map((category) => {
    const { title, retried, who } = errorCategories[category];
    return `- **${title}** (${retried ? 'retried by the state machine' : 'never retried'}): ${who}.`;
  });
  const entries = Object.entries(errorCatalog) as [ErrorName, ErrorEntry][];
  const rows = categories.flatMap((category) =>
    entries
      .filter(([, entry]) => entry.category === category)
      .map(
        ([name, entry]) =>
          `| \`${name}\` | ${errorCategories[category].title} | ${cell(entry.meaning)} | ${cell(entry.action)} |`,
      ),
  );
  return [...legend, '', '| error | category | meaning | what to do |', '|---|---|---|---|', ...rows].join(
    '\n',
  );
}
