export { runNpm } from './npm-command.ts';
export { NpmRegistry } from './npm-registry.ts';
export { loginToRegistry, npmrcAuthLine, type RegistryAccount } from './registry-account.ts';
export {
  DEFAULT_NPM_REGISTRY_OPTIONS,
  type NpmRegistryOptions,
  npmRegistryOptionsFromEnv,
} from './registry-options.ts';
export {
  type PublishablePackage,
  publishableWorkspacePackages,
  publishWorkspacePackages,
  type WorkspacePublishReport,
} from './workspace-publisher.ts';
