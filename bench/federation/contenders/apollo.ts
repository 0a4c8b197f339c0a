/**
 * Contender (c): a plain `@apollo/gateway` behind `@apollo/server`'s standalone server, every setting left at
 * its default — the baseline every ratio in the report is taken against.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readContenderEnv, stopOnSignal } from './env.js';

const { port, host, supergraphSdl } = readContenderEnv();
const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
// The standalone server answers on every path, so /graphql works like the other contenders.
const { url } = await startStandaloneServer(server, { listen: { port, host } });
console.log(`ready: ${url}graphql`);
stopOnSignal(() => server.stop());
