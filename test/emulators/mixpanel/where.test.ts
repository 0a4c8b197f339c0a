import { describe, expect, it } from 'vitest';
import { compileWhere, WhereSyntaxError } from '../../../emulators/mixpanel/index.js';

const event = { plan: 'pro', amount: 120, tags: ['beta', 'vip'], ref: 'news.facebook.com', zero: 0, name: 'Ada' };
const matches = (expression: string) => compileWhere(expression)(event);

describe('where expressions', () => {
  it.each([
    ['properties["plan"] == "pro"', true],
    ['properties["plan"] != "pro"', false],
    ['properties["missing"] != "pro"', true],
    ['properties["missing"] == "pro"', false],
    ['properties["amount"] > 100 and properties["amount"] <= 120', true],
    ['properties["amount"] < 100 or properties["amount"] >= 121', false],
    ['"vip" in properties["tags"]', true],
    ['"gold" in properties["tags"]', false],
    ['"facebook" in properties["ref"]', true],
    ['not "facebook" in properties["ref"]', false],
    ['properties["plan"] in ["free", "pro"]', true],
    ['properties["plan"] in ["free", "starter"]', false],
    ['properties["amount"] in [120, -1]', true],
    ['defined(properties["plan"])', true],
    ['not defined(properties["missing"])', true],
    ['defined(properties["zero"])', true],
    ['properties["zero"]', false],
    ['(properties["plan"] == "free" or properties["plan"] == "pro") and not (properties["amount"] < 50)', true],
    ['properties["amount"] * 2 - 40 == 200', true],
    ['floor(properties["amount"] / 7) == 17', true],
    ["properties['name'] == 'Ada'", true],
    ['number("120") == properties["amount"]', true],
    ['string(properties["amount"]) == "120"', true],
    ['boolean(properties["zero"]) == false', true],
    ['user["plan"] == "pro"', true],
  ])('%s is %s', (expression, expected) => {
    expect(matches(expression)).toBe(expected);
  });

  it.each([
    ['', 'the expression is empty'],
    ['properties["plan" == "pro"', 'expected "]" but found "==" at position 18'],
    ['properties[plan] == "pro"', 'expected a quoted property name after properties[ at position 11'],
    ['properties["plan"] == "pro', 'unterminated string starting at position 22'],
    ['datetime(1) > 5', 'unknown function "datetime" at position 0'],
    ['properties["a"] == 1)', 'unexpected ")" at position 20'],
    ['properties["a"] == 1 # 2', 'unexpected character "#" at position 21'],
  ])('%j fails with "%s"', (expression, message) => {
    expect(() => compileWhere(expression)).toThrow(new WhereSyntaxError(message));
  });
});
