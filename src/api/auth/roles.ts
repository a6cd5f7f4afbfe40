/** Token roles, weakest first: each role may do everything the ones before it may. */
export const ROLES = ['viewer', 'analyst', 'investigator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Whether `held` is at least `needed`. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** Who made a request: the token's name (never the token) and its role. */
export interface Principal {
  name: string;
  role: Role;
}
