/**
 * The write module set: what the write tools and their neighbours import. `runWrite`
 * (`pipeline.ts`) is the only way an appointment is created, moved or cancelled.
 */
export {
  findHeld,
  HOLDING_STATUSES,
  patientClash,
  patientOfAppointment,
  readAppointment,
  requireAppointment,
  startOf,
} from './appointments.js';
export { type PreparedWrite, runWrite, type WriteIntent, type WriteResult, type WriteSpec } from './pipeline.js';
export { type Placement, placementOf } from './verify.js';
export {
  type AppointmentView,
  alreadyDone,
  appointmentView,
  awaitingConfirmation,
  confirmationArguments,
  describeView,
  possessive,
  settledWrite,
  unconfirmedAnswer,
  viewOfAppointment,
  writeOutputFields,
  writtenNotes,
} from './views.js';
export { describeInstant, describeSpan, parseStart, type Start, startArgument } from './when.js';
export {
  candidateChairs,
  checkSlot,
  operatoryLabel,
  providerLabel,
  type Rosters,
  refusalReasons,
  rosters,
  rostersForDay,
} from './where.js';
