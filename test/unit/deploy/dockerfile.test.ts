import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './fixtures';

/** The container image stays usable next to App Service (issue 12): Node 22, non-root, healthcheck, production deps. */
describe('deploy/Dockerfile', () => {
  const text = readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  const runtime = stages[stages.length - 1] ?? '';

  it('builds and runs on Node 22', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^node:22[-.\w]*/);
  });

  it('runs as the non-root node user, with a health check on /healthz', () => {
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\/healthz/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
  });

  it('ships production dependencies only', () => {
    expect(text).toMatch(/npm prune --omit=dev|npm ci --omit=dev/);
    expect(runtime).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
    expect(runtime).toContain('COPY --from=build /app/node_modules ./node_modules');
  });
});
