import { describe, expect, it } from 'vitest';
import {
  destinationRequest,
  formErrors,
  initialGivenAs,
  initialValues,
  problemsByField,
  visibleFields,
} from '../../../src/pages/destinations/destination-form';
import { DESTINATION_TYPES } from './fixtures';

const fieldsOf = (type: string) => DESTINATION_TYPES.types.find((entry) => entry.type === type)?.fields ?? [];
const LAMBDA = fieldsOf('lambda');

describe('destinationRequest', () => {
  it('converts lists, numbers and switches, and leaves out what is empty or hidden', () => {
    // Prepare
    const givenAs = { functionArn: 'field' as const };
    const values = {
      ...initialValues(LAMBDA),
      functionArn: ' arn:aws:lambda:eu-west-1:111122223333:function:orders ',
      functionName: 'typed before switching to the ARN',
      id: 'orders',
      events: 'signup, purchase\nrefund',
      maxEventsPerSecond: '50',
      offloadOversize: true,
      roleArn: '',
    };

    // Act
    const body = destinationRequest('lambda', LAMBDA, values, givenAs);

    // Assess
    expect(body).toEqual({
      type: 'lambda',
      functionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:orders',
      invocationType: 'Event',
      id: 'orders',
      events: ['signup', 'purchase', 'refund'],
      offloadOversize: true,
      maxEventsPerSecond: 50,
    });
  });
});

describe('formErrors', () => {
  it('asks for one of the parts of a required field given by parts, once missing fields count', () => {
    // Prepare
    const values = { ...initialValues(LAMBDA), id: 'orders' };
    const givenAs = initialGivenAs(LAMBDA);

    // Act
    const whileTyping = formErrors(LAMBDA, values, givenAs, { missing: false });
    const onNext = formErrors(LAMBDA, values, givenAs, { missing: true });

    // Assess
    expect(whileTyping).toEqual({});
    expect(onNext).toEqual({
      functionArn: 'Give Region, Function name, Account, or Function ARN as one field',
    });
  });

  it('checks numbers against their bounds', () => {
    // Act
    const errors = formErrors(
      LAMBDA,
      { ...initialValues(LAMBDA), maxEventsPerSecond: '200000' },
      {},
      { missing: false },
    );

    // Assess
    expect(errors.maxEventsPerSecond).toBe('Rate limit must be at most 100000');
  });
});

describe('problemsByField', () => {
  it("puts each API problem on the outermost field its path names, in the field's words", () => {
    // Act
    const errors = problemsByField(
      [
        { field: 'events.0', message: 'must not contain empty event names' },
        { field: 'config.region', message: 'is not the region of the ARN' },
        { field: '(body)', message: 'is wrong somehow' },
      ],
      visibleFields(LAMBDA, initialGivenAs(LAMBDA)),
    );

    // Assess
    expect(errors).toEqual({
      events: 'Events must not contain empty event names',
      region: 'Region is not the region of the ARN',
    });
  });
});
