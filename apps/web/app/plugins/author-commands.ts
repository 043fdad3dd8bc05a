/** The commands an author runs, naming our scoped packages and the registry (never a bare `npx bambam`). */
export function authorCommands(registry: string): string {
  return [
    `npm exec --registry=${registry} --package=@bambam/cli -- bambam init my-drum`,
    `cd my-drum && npm install --registry=${registry}`,
    // `--no`: run the @bambam/cli the plugin installed, never fetch a package named bambam.
    'npm exec --no -- bambam test',
    'npm exec --no -- bambam build',
    `npm login --registry=${registry}`,
    `npm exec --no -- bambam publish --registry=${registry}`,
  ].join('\n');
}
