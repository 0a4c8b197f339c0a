import { describe, expect, it } from 'vitest';
import { maskErrors } from '../../gateway/errors.js';
import { memoryLogger } from '../kit/stack.js';

const downstream = {
  message: 'Enum "OrderStatus" cannot represent value: "PENDING_APPROVAL"',
  path: ['order', 'status'],
  extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'erp' },
};
const deliberate = {
  message: 'No Customer with id 42.',
  path: ['customer'],
  extensions: { code: 'NOT_FOUND', upstream: 'hubspot', serviceName: 'crm' },
};

describe('maskErrors', () => {
  it('masks an unknown subgraph error in production, logging its detail', () => {
    const { log, lines } = memoryLogger();
    expect(maskErrors(log, false)(downstream, new Error(downstream.message))).toEqual({
      message: 'Unexpected error.',
      path: ['order', 'status'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'erp' },
    });
    expect(lines.some((line) => line.message === downstream.message && line.code === 'DOWNSTREAM_SERVICE_ERROR')).toBe(true);
  });

  it('shows its message and code in development', () => {
    const { log } = memoryLogger();
    expect(maskErrors(log, true)(downstream, new Error(downstream.message))).toEqual({
      message: downstream.message,
      path: ['order', 'status'],
      extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'erp' },
    });
  });

  it('passes a subgraph error with a deliberate code through in every environment', () => {
    const { log } = memoryLogger();
    for (const development of [false, true])
      expect(maskErrors(log, development)(deliberate, new Error(deliberate.message))).toEqual(deliberate);
  });
});
