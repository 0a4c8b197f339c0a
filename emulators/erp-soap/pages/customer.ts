import { clientFault } from '../faults.js';
import { readRecordInput } from '../input.js';
import type { PageAdapter } from '../page-service.js';
import { CUSTOMER_SCHEMA } from '../page-schemas.js';
import type { CustomerRecord, ErpStore } from '../store.js';
import { amount, checkCurrency, nextNumber, text } from './common.js';

export function customerPage(store: ErpStore): PageAdapter<CustomerRecord> {
  const fields = CUSTOMER_SCHEMA.fields;
  return {
    schema: CUSTOMER_SCHEMA,
    table: store.customers,
    row: (customer) => ({
      No: customer.No,
      Name: customer.Name,
      E_Mail: customer.E_Mail,
      Phone_No: customer.Phone_No,
      Address: customer.Address,
      City: customer.City,
      Country_Region_Code: customer.Country_Region_Code,
      Currency_Code: customer.Currency_Code,
      Credit_Limit_LCY: customer.Credit_Limit_LCY,
      Balance_LCY: store.balance(customer.No),
      Blocked: customer.Blocked,
    }),
    create(element, taken) {
      const input = readRecordInput('Customer', fields, element, 'create', ['Key']);
      const customer: CustomerRecord = {
        No: text(input, 'No', '') || nextNumber('C', 5, store.customers.keys(), taken),
        version: 1,
        Name: text(input, 'Name', ''),
        E_Mail: text(input, 'E_Mail', ''),
        Phone_No: text(input, 'Phone_No', ''),
        Address: text(input, 'Address', ''),
        City: text(input, 'City', ''),
        Country_Region_Code: text(input, 'Country_Region_Code', ''),
        Currency_Code: text(input, 'Currency_Code', ''),
        Credit_Limit_LCY: amount(input, 'Credit_Limit_LCY', 0),
        Blocked: text(input, 'Blocked', '_blank_'),
      };
      checkCurrency(customer.Currency_Code);
      return customer;
    },
    update(current, element) {
      const input = readRecordInput('Customer', fields, element, 'update', ['Key']);
      const updated: CustomerRecord = {
        ...current,
        Name: text(input, 'Name', current.Name),
        E_Mail: text(input, 'E_Mail', current.E_Mail),
        Phone_No: text(input, 'Phone_No', current.Phone_No),
        Address: text(input, 'Address', current.Address),
        City: text(input, 'City', current.City),
        Country_Region_Code: text(input, 'Country_Region_Code', current.Country_Region_Code),
        Currency_Code: text(input, 'Currency_Code', current.Currency_Code),
        Credit_Limit_LCY: amount(input, 'Credit_Limit_LCY', current.Credit_Limit_LCY),
        Blocked: text(input, 'Blocked', current.Blocked),
      };
      checkCurrency(updated.Currency_Code);
      return updated;
    },
    beforeDelete(customer) {
      for (const order of store.orders.values()) {
        if (order.Sell_to_Customer_No === customer.No) {
          throw clientFault(
            `You cannot delete Customer ${customer.No} because there is at least one outstanding Sales Order for this customer.`,
          );
        }
      }
    },
  };
}
