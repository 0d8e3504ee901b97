/**
 * Base registries and the e-licence library as the engine sees them: plain records that a department adapter
 * fetched. The engine never talks to a department system itself.
 */
export type CertificateValue = string | number | boolean;

export interface Person {
  readonly residentId: string;
  readonly name: string;
  readonly sex: 'male' | 'female';
  readonly birthDate: string;
  readonly householdId: string;
  readonly address: string;
  readonly fictional: true;
}

export interface Household {
  readonly id: string;
  /** 户号 */
  readonly number: string;
  readonly headResidentId: string;
  readonly memberResidentIds: readonly string[];
  readonly address: string;
  readonly regionCode: string;
  readonly fictional: true;
}

export interface Marriage {
  readonly id: string;
  readonly certificateNo: string;
  readonly partyResidentIds: readonly [string, string];
  readonly registeredOn: string;
  readonly fictional: true;
}

export interface Enterprise {
  readonly creditCode: string;
  readonly name: string;
  readonly legalRepresentativeResidentId: string;
  readonly address: string;
  readonly establishedOn: string;
  readonly registeredCapitalFen: number;
  readonly businessScope: string;
  readonly fictional: true;
}

export interface SocialInsuranceRecord {
  readonly residentId: string;
  readonly insuredSince: string;
  readonly contributionMonths: number;
  readonly housingFundAccountNo: string;
  readonly fictional: true;
}

/** A certificate held in the e-licence library (电子证照库). */
export interface LibraryCertificate {
  readonly id: string;
  readonly type: string;
  /** Resident ID or credit code of the holder. */
  readonly holderId: string;
  readonly issuerDepartmentId: string;
  readonly issuedOn: string;
  /** A: issued with the authority's e-seal; B: a copy checked at a window and kept for reuse. */
  readonly trustLevel: 'A' | 'B';
  readonly status: 'valid' | 'revoked';
  readonly data: Readonly<Record<string, CertificateValue>>;
  readonly fictional: true;
}

export interface Registries {
  readonly people: readonly Person[];
  readonly households: readonly Household[];
  readonly marriages: readonly Marriage[];
  readonly enterprises: readonly Enterprise[];
  readonly socialInsurance: readonly SocialInsuranceRecord[];
  readonly certificates: readonly LibraryCertificate[];
}

export type Applicant =
  | { readonly kind: 'person'; readonly residentId: string }
  | { readonly kind: 'enterprise'; readonly creditCode: string; readonly agentResidentId: string };
