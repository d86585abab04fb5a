// Types of conmon's JavaScript API (lib.js). Dates are ISO 8601 strings: `YYYY-MM-DD` for civil
// dates, `YYYY-MM-DDTHH:MM:SSZ` for instants (UTC). Records use camelCase keys.

/** A civil date, `YYYY-MM-DD`. */
export type IsoDate = string
/** An instant in UTC, `YYYY-MM-DDTHH:MM:SSZ`. */
export type IsoDateTime = string
/** A date input: an ISO string or a Date (its UTC date). */
export type DateInput = IsoDate | Date

export type RiskRating = 'low' | 'moderate' | 'high'
export type DeviationFlag = 'no' | 'pending' | 'yes'
export type AssetType = 'os' | 'web' | 'database' | 'container' | 'code' | 'cloud'
export type FindingKind = 'vulnerability' | 'configuration' | 'code'
export type ClockState = 'on_track' | 'due_soon' | 'late' | 'stopped' | 'closed_on_time' | 'closed_late' | 'accepted' | 'no_deadline'
export type ChangeKind =
  | 'new'
  | 'asset_added'
  | 'asset_closed'
  | 'closed'
  | 'reopened'
  | 'reappeared_as_new'
  | 'deviation_changed'
  | 'schedule_changed'
  | 'kev_added'
  | 'became_late'
  | 'remediation_observed_kept_open'
export type Severity = 'error' | 'warning'
export type ErrorCode =
  | 'io_error'
  | 'parse_error'
  | 'invalid_value'
  | 'missing_field'
  | 'config_error'
  | 'unsupported_format'
  | 'limit_exceeded'
  | 'internal_error'

export interface Location {
  file?: string | null
  sheet?: string | null
  line?: number | null
  row?: number | null
  column?: number | null
  field?: string | null
  offset?: number | null
}

/** An engine error: `code` is the core's stable code. */
export declare class ConmonError extends Error {
  readonly code: ErrorCode
  readonly location: Location
}

export interface Asset {
  identifier: string
  assetType: AssetType
  ip?: string | null
  fqdn?: string | null
  netbios?: string | null
  mac?: string | null
  os?: string | null
}

export interface Finding {
  sourceFormat: string
  scanner: string
  scannerId: string
  weaknessKey: string
  kind: FindingKind
  name: string
  description: string
  solution?: string | null
  asset: Asset
  port?: number | null
  protocol?: string | null
  scannerSeverity?: string | null
  cves: string[]
  observedAt?: IsoDateTime | null
  firstSeen?: IsoDateTime | null
  /** Present and true when `observedAt` / `firstSeen` were written without a zone (wall-clock times stored as if UTC). */
  zonelessTimes?: boolean
  [key: string]: unknown
}

export interface HostScan {
  identifier: string
  assetType: AssetType
  ip?: string | null
  fqdn?: string | null
  scanStart?: IsoDateTime | null
  scanEnd?: IsoDateTime | null
  /** Present and true when `scanStart` / `scanEnd` were written without a zone. */
  zonelessTimes?: boolean
  credentialed?: boolean | null
  file: string
  findingCount: number
  [key: string]: unknown
}

export interface AssetRef {
  identifier: string
  port?: number | null
  protocol?: string | null
}

export interface Milestone {
  number: number
  date: IsoDate
  description: string
}

export interface PoamItem {
  poamId: string
  controls: string
  weaknessName: string
  weaknessDescription: string
  weaknessDetectorSource: string
  weaknessSourceIdentifier: string
  assets: AssetRef[]
  pointOfContact: string
  overallRemediationPlan: string
  originalDetectionDate: IsoDate
  scheduledCompletionDate?: IsoDate | null
  plannedMilestones: Milestone[]
  milestoneChanges: Array<Milestone & { kind: 'new' | 'update' | 'complete' }>
  statusDate?: IsoDate | null
  vendorDependency: boolean
  lastVendorCheckInDate?: IsoDate | null
  vendorDependentProductName?: string | null
  originalRiskRating: RiskRating
  adjustedRiskRating?: RiskRating | null
  riskAdjustment: DeviationFlag
  falsePositive: DeviationFlag
  operationalRequirement: DeviationFlag
  deviationRationale?: string | null
  comments?: string | null
  kev: boolean
  kevDueDate?: IsoDate | null
  cves: string[]
  closure?: { date: IsoDate; reason: 'remediated' | 'false_positive' | 'other' } | null
  /** The sheet, added by Poam.items(). */
  sheet?: 'open' | 'closed' | 'configurationFindings'
  [key: string]: unknown
}

export interface PoamObject {
  header: { csp: string; systemName: string; impactLevel?: RiskRating | null; poamDate?: IsoDate | null }
  open: PoamItem[]
  closed: PoamItem[]
  configurationFindings: PoamItem[]
  idHighWater: number
}

export interface Change {
  poamId: string
  kind: ChangeKind
  asset?: string | null
  detail: string
}

export interface Issue {
  code: string
  severity: Severity
  poamId?: string | null
  deviationId?: string | null
  field?: string | null
  message: string
  rule: string
  location?: Location
  hint?: string
}

export interface ClockStep {
  rule: string
  text: string
}

export interface Clock {
  poamId: string
  regime: 'rev5' | 'vdr'
  asOf: IsoDate
  rating?: RiskRating | null
  dueDate?: IsoDate | null
  dueAt?: IsoDateTime | null
  state: ClockState
  daysLate: number
  daysRemaining?: number | null
  rule: string
  explanation: ClockStep[]
  [key: string]: unknown
}

export interface Trigger {
  code: string
  name: string
  level: 'dfr' | 'cap'
  tripped: boolean
  near: boolean
  value: number
  threshold: number
  items: string[]
  message: string
}

export interface Calendar {
  uploaded: IsoDate
  dueDate?: IsoDate | null
  onTime?: boolean | null
  earliestMeeting: IsoDate
  nextDueDate?: IsoDate | null
  annual?: { atoAnniversary: IsoDate; sapDue: IsoDate; packageDue: IsoDate; daysToAnniversary: number } | null
  changeNotices: Array<{ id: string; plannedDate: IsoDate; noticeDeadline: IsoDate; notified?: IsoDate | null; sufficient?: boolean | null }>
}

export interface ValidationReport {
  engineVersion: string
  asOf: IsoDate
  valid: boolean
  errors: number
  warnings: number
  diagnostics: Issue[]
  calendar: Calendar
  triggers: Trigger[]
}

export interface InventoryAsset {
  identifier: string
  ips: string[]
  authenticatedScan?: boolean | null
  inLatestScan?: boolean | null
  assetType?: string | null
  row: number
  [key: string]: unknown
}

/** A policy as a preset name, a policy file path, an options object, or a Policy. */
export type PolicyInput = Policy | string | ({ preset?: string } & Record<string, unknown>)
/** JSON input: a `.json` path, a JSON string, or data. */
export type JsonInput = string | object

export declare class ScanSet {
  readonly length: number
  readonly hostCount: number
  findings(): Finding[]
  context(): { files: Array<Record<string, unknown>>; hosts: HostScan[] }
  hosts(): HostScan[]
  merge(other: ScanSet): ScanSet
  static fromRecords(findings: Array<Partial<Finding>>, hosts?: Array<Partial<HostScan>>): ScanSet
}

/**
 * Reads scanner files (format detected from content) into one ScanSet, off the main thread.
 * Sources are paths, directories (read recursively: hidden entries skipped, files sorted by
 * path), arrays of them, or Buffers.
 */
export declare function readScans(...sources: Array<string | Buffer | Array<string | Buffer>>): Promise<ScanSet>
/** readScans on the calling thread (paths and directories only). */
export declare function readScansSync(...sources: Array<string | string[]>): ScanSet

export declare class Policy {
  static preset(name?: string): Policy
  static fromFile(file: string): Policy
  static fromObject(options: { preset?: string } & Record<string, unknown>): Policy
  toObject(): Record<string, unknown>
}

export declare function presets(): Record<string, string>

export declare class Poam {
  static read(file: string): Promise<Poam>
  static readSync(file: string): Poam
  static fromObject(poam: Partial<PoamObject>): Poam
  static fromItems(items: Array<Partial<PoamItem>>): Poam
  readonly importReport: { problems: Array<{ code: string; message: string; location: Location }>; ignoredColumns: string[] } | null
  readonly counts: [number, number, number]
  toObject(): PoamObject
  items(sheet?: 'open' | 'closed' | 'configurationFindings'): PoamItem[]
  write(file: string): Promise<void>
  writeSync(file: string): void
  writeOscalSync(file: string, options?: OscalOptions): void
  toOscal(options?: OscalOptions): Record<string, unknown>
}

/** How the OSCAL POA&M is written: the policy's `oscalDeadline`, `system-id` and the SSP link. */
export interface OscalOptions {
  policy?: PolicyInput
  /** `system-id` (default: the system name). */
  fedrampId?: string
  /** The system's OSCAL SSP, linked from `import-ssp` (without it, a `no-oscal-ssp` resource). */
  ssp?: string
}

export declare class Reconciliation {
  readonly poam: Poam
  readonly changes: Change[]
  readonly notTracked: Array<{ finding: number; weaknessKey: string; asset: string; reason: string }>
  readonly notObserved: Array<{ poamId: string; asset: string; reason: 'not_scanned' | 'not_credentialed' }>
  readonly issues: Issue[]
  readonly placements: Array<string | null> | undefined
}

export interface ReconcileOptions {
  asOf: DateInput
  policy?: PolicyInput
  deviations?: JsonInput
  kev?: string
  withPlacements?: boolean
}

export declare function reconcile(previous: Poam | null, scans: ScanSet, options: ReconcileOptions): Promise<Reconciliation>
/** `explain: false` leaves each clock's `explanation` empty (cheaper for large POA&Ms). */
export declare function clocks(poam: Poam | Array<Partial<PoamItem>>, options: { asOf: DateInput; policy?: PolicyInput; explain?: boolean }): Clock[]
/** Reads a deviation register: FedRAMP's Vulnerability Deviation Request Form (.xlsx), or a JSON array. */
export declare function readDeviations(file: string): Array<Record<string, unknown>>
export declare function readInventory(file: string): { assets: InventoryAsset[]; problems: Array<{ code: string; message: string; location: Location }> }
export declare function validate(
  poam: Poam,
  options: { asOf: DateInput; previous?: Poam; scans?: ScanSet; inventory?: string | InventoryAsset[]; policy?: PolicyInput },
): ValidationReport
export declare function calendar(options: { asOf: DateInput; policy?: PolicyInput; significantChanges?: JsonInput }): Calendar

export declare class MonthlyResult {
  readonly poam: Poam
  readonly validation: ValidationReport
  readonly changes: { changes: Change[]; notTracked: unknown[]; notObserved: unknown[]; issues: Issue[] }
  readonly history: Array<Record<string, unknown>>
  readonly reportHtml: string
  /**
   * Open items past due at the POA&M date: the items the meeting report lists as past due and
   * history.json counts. Judged under the run's policy unless `policy` gives another.
   */
  lateItems(policy?: PolicyInput): Clock[]
  write(directory: string, options?: { fedrampId?: string; ssp?: string }): Promise<string[]>
}

export interface MonthlyOptions {
  scans: ScanSet
  asOf: DateInput
  previous?: Poam | null
  inventory?: string | InventoryAsset[]
  deviations?: JsonInput
  kev?: string
  significantChanges?: JsonInput
  history?: JsonInput
  policy?: PolicyInput
}

export declare function runMonthly(options: MonthlyOptions): Promise<MonthlyResult>
export declare function engineVersion(): string
export declare function errorCodes(): string[]
