import { clientFault } from '../faults.js';
import { readRecordInput } from '../input.js';
import type { PageAdapter } from '../page-service.js';
import { ITEM_SCHEMA } from '../page-schemas.js';
import type { ErpStore, ItemRecord } from '../store.js';
import { amount, flag, nextNumber, text } from './common.js';

export function itemPage(store: ErpStore): PageAdapter<ItemRecord> {
  const fields = ITEM_SCHEMA.fields;
  return {
    schema: ITEM_SCHEMA,
    table: store.items,
    row: (item) => {
      const reserved = store.reservedQuantity(item.No);
      return {
        No: item.No,
        Description: item.Description,
        Base_Unit_of_Measure: item.Base_Unit_of_Measure,
        Unit_Price: item.Unit_Price,
        Inventory: item.Inventory,
        Reserved_Qty: reserved,
        Available: item.Inventory - reserved,
        Blocked: item.Blocked,
      };
    },
    create(element, taken) {
      const input = readRecordInput('Item', fields, element, 'create', ['Key']);
      return {
        No: text(input, 'No', '') || nextNumber('', 4, store.items.keys(), taken),
        version: 1,
        Description: text(input, 'Description', ''),
        Base_Unit_of_Measure: text(input, 'Base_Unit_of_Measure', 'PCS'),
        Unit_Price: amount(input, 'Unit_Price', 0),
        Inventory: 0,
        Blocked: flag(input, 'Blocked', false),
      };
    },
    update(current, element) {
      const input = readRecordInput('Item', fields, element, 'update', ['Key']);
      return {
        ...current,
        Description: text(input, 'Description', current.Description),
        Base_Unit_of_Measure: text(input, 'Base_Unit_of_Measure', current.Base_Unit_of_Measure),
        Unit_Price: amount(input, 'Unit_Price', current.Unit_Price),
        Blocked: flag(input, 'Blocked', current.Blocked),
      };
    },
    beforeDelete(item) {
      if (store.reservedQuantity(item.No) > 0) {
        throw clientFault(
          `You cannot delete Item ${item.No} because there is at least one outstanding Sales Order that includes this item.`,
        );
      }
    },
  };
}
