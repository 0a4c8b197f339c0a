// The ERP's (Dynamics NAV) page records as the soap client hands them over.

/** A page record as the soap client returns it: field -> text, nested elements as objects or arrays. */
export type NavRecord = { readonly [field: string]: unknown };
