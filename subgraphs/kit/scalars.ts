import {
  CountryCodeResolver,
  CurrencyResolver,
  DateResolver,
  DateTimeResolver,
  EmailAddressResolver,
  JSONResolver,
  PhoneNumberResolver,
  URLResolver,
} from 'graphql-scalars';

/** Resolvers for the scalars schema/shared.graphql declares; every subgraph spreads them into its map. */
export const scalarResolvers = {
  DateTime: DateTimeResolver,
  Date: DateResolver,
  EmailAddress: EmailAddressResolver,
  URL: URLResolver,
  Currency: CurrencyResolver,
  PhoneNumber: PhoneNumberResolver,
  JSON: JSONResolver,
  CountryCode: CountryCodeResolver,
};
