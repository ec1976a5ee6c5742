import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const root = new URL('../../', import.meta.url)
const read = (p: string) => readFileSync(new URL(p, root), 'utf8')

describe('packaging', () => {
  it('the compose file parses and runs Postgres and the daemon', () => {
    const compose = parse(read('docker/compose.yaml')) as {
      services: Record<string, { image?: string; build?: unknown; depends_on?: unknown }>
    }
    expect(Object.keys(compose.services).sort()).toEqual(['accord', 'postgres'])
    expect(compose.services.accord!.build).toMatchObject({ dockerfile: 'docker/Dockerfile' })
  })

  it("the image's command exists in the built package: the launcher, the daemon command and the build output", () => {
    const dockerfile = read('docker/Dockerfile')
    expect(dockerfile).toMatch(/^FROM node:24/m)
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/accord.js"]')
    expect(dockerfile).toContain('CMD ["daemon"')
    expect(existsSync(new URL('bin/accord.js', root))).toBe(true)
    expect(read('bin/accord.js')).toContain("'../dist/cli/main.js'")
    const build = JSON.parse(read('tsconfig.build.json')) as {
      compilerOptions: { outDir: string; rootDir: string }
    }
    expect(build.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: 'src' })
    expect(read('src/cli/commands.ts')).toContain("import * as daemon from './daemon.ts'")
  })

  it('the systemd unit runs the Node 24 that npm ci installed, not a node from the PATH', () => {
    const unit = read('docker/accord.service')
    expect(unit).toMatch(
      /^ExecStart=\/opt\/accord\/node_modules\/\.bin\/node \/opt\/accord\/bin\/accord\.js daemon$/m,
    )
  })
})
