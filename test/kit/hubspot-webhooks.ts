/** A HubSpot app webhook event as HubSpot sends it: one property of one contact changed. */
export const hubspotPropertyChange = (
  eventId: number,
  objectId: number,
  propertyName: string,
  propertyValue: string,
  occurredAt: number,
) => ({
  eventId,
  subscriptionId: 1,
  portalId: 62515,
  appId: 1000001,
  occurredAt,
  subscriptionType: 'contact.propertyChange',
  attemptNumber: 0,
  objectId,
  changeSource: 'API',
  propertyName,
  propertyValue,
});
