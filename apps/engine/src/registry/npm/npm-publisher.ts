/**
 * Publishes a plugin package to the npm registry with the author's own npm token, through
 * npm's `libnpmpublish` (what `npm publish` calls). The registry decides who may publish what;
 * its answers become clear errors (401 token, 403 not yours, 409 version exists).
 */
import libnpmpublish from 'libnpmpublish';
import { HttpError } from '../http-answers.ts';
import { NPM_REGISTRY_SETTING } from './npm-client.ts';

interface PublishFailure {
  code?: string;
  statusCode?: number;
  message: string;
}

/** How to get a token for `registry`, for error messages and the studio. */
export const tokenHelp = (registry: string): string =>
  `Get an npm token for ${registry}: \`npm login --registry ${registry}\` then \`npm token create --registry ${registry}\`, or the _authToken from your .npmrc.`;

export async function publishPackage(
  registry: string,
  token: string,
  packageJson: Record<string, unknown>,
  tarball: Buffer,
  timeoutMs: number,
): Promise<void> {
  const id = `${String(packageJson.name)}@${String(packageJson.version)}`;
  try {
    await libnpmpublish.publish(packageJson, tarball, {
      registry,
      forceAuth: { token },
      timeout: timeoutMs,
      retry: { retries: 0 },
      access: 'public',
    });
  } catch (error) {
    const failure = error as PublishFailure;
    const status = failure.statusCode;
    if (status === 401 || failure.code === 'ENEEDAUTH') {
      throw new HttpError(
        401,
        'unauthorized',
        `The npm registry at ${registry} refused the token (401). ${tokenHelp(registry)}`,
      );
    }
    if (status === 403) {
      throw new HttpError(
        403,
        'forbidden',
        `The npm registry at ${registry} does not let this token publish ${id} (403): the name belongs to someone else, or the token cannot publish. Pick another name or ask its owner.`,
      );
    }
    if (status === 409 || failure.code === 'EPUBLISHCONFLICT') {
      throw new HttpError(
        409,
        'version-exists',
        `${id} is already published; versions are immutable: bump the version.`,
      );
    }
    if (status !== undefined) {
      throw new HttpError(
        502,
        'registry-error',
        `The npm registry at ${registry} refused ${id} (${status}): ${failure.message}`,
      );
    }
    throw new HttpError(
      502,
      'registry-unreachable',
      `The npm registry at ${registry} is unreachable (${failure.code ?? failure.message}). Check ${NPM_REGISTRY_SETTING}.`,
    );
  }
}
