/**
 * The CDT codes the sandbox's practices use, with plausible US fees (cents) and chair times.
 * Categories follow the ADA CDT code ranges (D0100–D0999 diagnostic, D1000–D1999 preventive, …).
 */
export interface CdtCode {
  code: string;
  description: string;
  abbreviation: string;
  category: string;
  feeCents: number;
  minutes: number;
}

export const CDT_CODES: readonly CdtCode[] = [
  {
    code: 'D0120',
    description: 'Periodic oral evaluation - established patient',
    abbreviation: 'PerEx',
    category: 'diagnostic',
    feeCents: 6500,
    minutes: 10,
  },
  {
    code: 'D0140',
    description: 'Limited oral evaluation - problem focused',
    abbreviation: 'LimEx',
    category: 'diagnostic',
    feeCents: 9500,
    minutes: 15,
  },
  {
    code: 'D0150',
    description: 'Comprehensive oral evaluation - new or established patient',
    abbreviation: 'CompEx',
    category: 'diagnostic',
    feeCents: 12000,
    minutes: 30,
  },
  {
    code: 'D0210',
    description: 'Intraoral - comprehensive series of radiographic images',
    abbreviation: 'FMX',
    category: 'diagnostic',
    feeCents: 16500,
    minutes: 20,
  },
  {
    code: 'D0220',
    description: 'Intraoral - periapical first radiographic image',
    abbreviation: 'PA',
    category: 'diagnostic',
    feeCents: 3500,
    minutes: 5,
  },
  {
    code: 'D0274',
    description: 'Bitewings - four radiographic images',
    abbreviation: '4BW',
    category: 'diagnostic',
    feeCents: 7500,
    minutes: 10,
  },
  {
    code: 'D0330',
    description: 'Panoramic radiographic image',
    abbreviation: 'Pano',
    category: 'diagnostic',
    feeCents: 13000,
    minutes: 10,
  },
  {
    code: 'D1110',
    description: 'Prophylaxis - adult',
    abbreviation: 'Pro',
    category: 'preventive',
    feeCents: 11500,
    minutes: 45,
  },
  {
    code: 'D1120',
    description: 'Prophylaxis - child',
    abbreviation: 'ChPro',
    category: 'preventive',
    feeCents: 8000,
    minutes: 30,
  },
  {
    code: 'D1206',
    description: 'Topical application of fluoride varnish',
    abbreviation: 'FlVarn',
    category: 'preventive',
    feeCents: 4500,
    minutes: 5,
  },
  {
    code: 'D1351',
    description: 'Sealant - per tooth',
    abbreviation: 'Seal',
    category: 'preventive',
    feeCents: 5500,
    minutes: 10,
  },
  {
    code: 'D2140',
    description: 'Amalgam - one surface, primary or permanent',
    abbreviation: 'Am1',
    category: 'restorative',
    feeCents: 15000,
    minutes: 30,
  },
  {
    code: 'D2150',
    description: 'Amalgam - two surfaces, primary or permanent',
    abbreviation: 'Am2',
    category: 'restorative',
    feeCents: 19000,
    minutes: 40,
  },
  {
    code: 'D2330',
    description: 'Resin-based composite - one surface, anterior',
    abbreviation: 'CompA1',
    category: 'restorative',
    feeCents: 17500,
    minutes: 30,
  },
  {
    code: 'D2391',
    description: 'Resin-based composite - one surface, posterior',
    abbreviation: 'CompP1',
    category: 'restorative',
    feeCents: 19500,
    minutes: 30,
  },
  {
    code: 'D2392',
    description: 'Resin-based composite - two surfaces, posterior',
    abbreviation: 'CompP2',
    category: 'restorative',
    feeCents: 25000,
    minutes: 45,
  },
  {
    code: 'D2740',
    description: 'Crown - porcelain/ceramic',
    abbreviation: 'CrnPorc',
    category: 'restorative',
    feeCents: 125000,
    minutes: 90,
  },
  {
    code: 'D2750',
    description: 'Crown - porcelain fused to high noble metal',
    abbreviation: 'CrnPFM',
    category: 'restorative',
    feeCents: 115000,
    minutes: 90,
  },
  {
    code: 'D2950',
    description: 'Core buildup, including any pins when required',
    abbreviation: 'BU',
    category: 'restorative',
    feeCents: 29500,
    minutes: 20,
  },
  {
    code: 'D3310',
    description: 'Endodontic therapy, anterior tooth (excluding final restoration)',
    abbreviation: 'RCTAnt',
    category: 'endodontics',
    feeCents: 85000,
    minutes: 75,
  },
  {
    code: 'D3330',
    description: 'Endodontic therapy, molar tooth (excluding final restoration)',
    abbreviation: 'RCTMol',
    category: 'endodontics',
    feeCents: 115000,
    minutes: 90,
  },
  {
    code: 'D4341',
    description: 'Periodontal scaling and root planing - four or more teeth per quadrant',
    abbreviation: 'SRP4',
    category: 'periodontics',
    feeCents: 27500,
    minutes: 45,
  },
  {
    code: 'D4342',
    description: 'Periodontal scaling and root planing - one to three teeth per quadrant',
    abbreviation: 'SRP13',
    category: 'periodontics',
    feeCents: 20000,
    minutes: 30,
  },
  {
    code: 'D4910',
    description: 'Periodontal maintenance',
    abbreviation: 'PerioM',
    category: 'periodontics',
    feeCents: 15000,
    minutes: 60,
  },
  {
    code: 'D5110',
    description: 'Complete denture - maxillary',
    abbreviation: 'FUD',
    category: 'prosthodontics_removable',
    feeCents: 180000,
    minutes: 60,
  },
  {
    code: 'D5213',
    description: 'Maxillary partial denture - cast metal framework with resin denture bases',
    abbreviation: 'PartUp',
    category: 'prosthodontics_removable',
    feeCents: 190000,
    minutes: 60,
  },
  {
    code: 'D6010',
    description: 'Surgical placement of implant body: endosteal implant',
    abbreviation: 'Impl',
    category: 'implant',
    feeCents: 220000,
    minutes: 90,
  },
  {
    code: 'D6065',
    description: 'Implant supported porcelain/ceramic crown',
    abbreviation: 'ImpCrn',
    category: 'implant',
    feeCents: 160000,
    minutes: 60,
  },
  {
    code: 'D6240',
    description: 'Pontic - porcelain fused to high noble metal',
    abbreviation: 'PonPFM',
    category: 'prosthodontics_fixed',
    feeCents: 110000,
    minutes: 60,
  },
  {
    code: 'D7140',
    description: 'Extraction, erupted tooth or exposed root (elevation and/or forceps removal)',
    abbreviation: 'Ext',
    category: 'oral_surgery',
    feeCents: 18500,
    minutes: 30,
  },
  {
    code: 'D7210',
    description: 'Extraction, erupted tooth requiring removal of bone and/or sectioning of tooth',
    abbreviation: 'SurgExt',
    category: 'oral_surgery',
    feeCents: 32500,
    minutes: 45,
  },
  {
    code: 'D7240',
    description: 'Removal of impacted tooth - completely bony',
    abbreviation: 'ImpExt',
    category: 'oral_surgery',
    feeCents: 45000,
    minutes: 60,
  },
  {
    code: 'D8090',
    description: 'Comprehensive orthodontic treatment of the adult dentition',
    abbreviation: 'Ortho',
    category: 'orthodontics',
    feeCents: 580000,
    minutes: 60,
  },
  {
    code: 'D9110',
    description: 'Palliative treatment of dental pain - per visit',
    abbreviation: 'Pall',
    category: 'adjunctive',
    feeCents: 11000,
    minutes: 20,
  },
  {
    code: 'D9230',
    description: 'Inhalation of nitrous oxide/analgesia, anxiolysis',
    abbreviation: 'N2O',
    category: 'adjunctive',
    feeCents: 7500,
    minutes: 0,
  },
  {
    code: 'D9310',
    description: 'Consultation - diagnostic service provided by dentist other than requesting dentist',
    abbreviation: 'Consult',
    category: 'adjunctive',
    feeCents: 12000,
    minutes: 30,
  },
  {
    code: 'D9944',
    description: 'Occlusal guard - hard appliance, full arch',
    abbreviation: 'NGuard',
    category: 'adjunctive',
    feeCents: 55000,
    minutes: 30,
  },
];

/** Appointment types a practice books, their usual length, and the codes usually scheduled. */
export interface AppointmentTypeSpec {
  name: string;
  minutes: number;
  hygiene: boolean;
  codes: readonly string[];
}

export const APPOINTMENT_TYPES: readonly AppointmentTypeSpec[] = [
  { name: 'New Patient Exam', minutes: 60, hygiene: false, codes: ['D0150', 'D0210'] },
  { name: 'Periodic Exam & Prophy', minutes: 60, hygiene: true, codes: ['D0120', 'D1110', 'D0274'] },
  { name: 'Child Prophy', minutes: 30, hygiene: true, codes: ['D0120', 'D1120', 'D1206'] },
  { name: 'Perio Maintenance', minutes: 60, hygiene: true, codes: ['D4910', 'D0120'] },
  { name: 'Scaling & Root Planing', minutes: 90, hygiene: true, codes: ['D4341', 'D4341'] },
  { name: 'Filling', minutes: 60, hygiene: false, codes: ['D2392'] },
  { name: 'Crown Prep', minutes: 90, hygiene: false, codes: ['D2740', 'D2950'] },
  { name: 'Crown Seat', minutes: 30, hygiene: false, codes: [] },
  { name: 'Root Canal', minutes: 90, hygiene: false, codes: ['D3330'] },
  { name: 'Extraction', minutes: 45, hygiene: false, codes: ['D7140'] },
  { name: 'Emergency', minutes: 30, hygiene: false, codes: ['D0140', 'D0220', 'D9110'] },
  { name: 'Implant Consult', minutes: 30, hygiene: false, codes: ['D9310', 'D0330'] },
  { name: 'Night Guard Delivery', minutes: 30, hygiene: false, codes: ['D9944'] },
];

const BY_CODE = new Map(CDT_CODES.map((entry) => [entry.code, entry]));

export function cdtCode(code: string): CdtCode {
  const entry = BY_CODE.get(code);
  if (!entry) throw new Error(`Unknown CDT code in the sandbox catalog: ${code}`);
  return entry;
}
