/**
 * The closed set of places a form field can be filled from. Catalogue data names them by id; the prefill
 * engine holds one resolver per id, so a new item is data while a new kind of source is a code change
 * (an adapter to a department system).
 */
export const registryNames = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'] as const;
export type RegistryName = (typeof registryNames)[number];

export const dataSourceIds = [
  'population.applicant.name',
  'population.applicant.residentId',
  'population.applicant.birthDate',
  'population.applicant.sex',
  'population.applicant.address',
  'population.spouse.name',
  'population.spouse.residentId',
  'household.applicant.number',
  'household.applicant.address',
  'household.applicant.headName',
  'marriage.applicant.certificateNo',
  'marriage.applicant.registeredOn',
  'certificates.birthMedical.childName',
  'certificates.birthMedical.childSex',
  'certificates.birthMedical.childBirthDate',
  'certificates.birthMedical.birthPlace',
  'certificates.birthMedical.certificateNo',
  'certificates.onlyChild.certificateNo',
  'enterprise.applicant.name',
  'enterprise.applicant.creditCode',
  'enterprise.applicant.address',
  'enterprise.applicant.legalRepresentativeName',
  'enterprise.applicant.legalRepresentativeResidentId',
  'enterprise.applicant.registeredCapitalFen',
  'enterprise.applicant.businessScope',
  'social_insurance.applicant.insuredSince',
  'social_insurance.applicant.contributionMonths',
  'social_insurance.applicant.housingFundAccountNo',
] as const;
export type DataSourceId = (typeof dataSourceIds)[number];

export function registryOfSource(source: DataSourceId): RegistryName {
  return source.slice(0, source.indexOf('.')) as RegistryName;
}
