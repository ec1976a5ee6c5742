#!/usr/bin/env node
// The accord command. Node 24 runs the TypeScript sources directly (type stripping), so a fresh clone
// needs no build step; a packaged install (the Docker image) runs the compiled dist/ instead.
import { existsSync } from 'node:fs'

const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  process.stderr.write(
    `accord needs Node.js 24 (this is ${process.version}). Run it through npm (npx accord, npm run accord), ` +
      'which uses the Node 24 that npm ci installed, or install Node 24.\n',
  )
  process.exit(2)
}
const source = new URL('../src/cli/main.ts', import.meta.url)
const compiled = new URL('../dist/cli/main.js', import.meta.url)
await import(existsSync(source) ? source.href : compiled.href)
