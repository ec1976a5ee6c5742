import { generate } from 'selfsigned'

export interface TlsMaterial {
  /** The CA certificate (PEM): what a client trusts. */
  caCert: string
  /** The server certificate (PEM), signed by the CA, for localhost, 127.0.0.1 and ::1. */
  cert: string
  key: string
}

/**
 * A fresh CA and a loopback server certificate signed by it, generated at start so no private key ships with
 * accord. Clients trust `caCert` (connector `tls.caFile`, or `tls.setDefaultCACertificates` in tests).
 */
export async function generateTlsMaterial(): Promise<TlsMaterial> {
  const notAfterDate = new Date(Date.now() + 30 * 86_400_000)
  const ca = await generate([{ name: 'commonName', value: 'accord sandbox CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  })
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  })
  return { caCert: ca.cert, cert: server.cert, key: server.private }
}
