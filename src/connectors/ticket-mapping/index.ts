export { type CompiledDate, compileDate, type DateSpec } from './date.ts'
export {
  type CompiledTicketMap,
  type CompileOptions,
  type ConnectorDefaults,
  compileTicketMap,
  type MappedTicket,
  type TicketField,
} from './map-ticket.ts'
export { readPath } from './read-path.ts'
export { scalarText } from './scalar.ts'
