import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createApiHandler } from '../../../lambda/control-plane/create-handler';
import { corsHeaders, parseAllowedOrigins } from '../../../lambda/control-plane/http/cors';
import { routeTable } from '../../../lambda/control-plane/http/router';
import { ROUTES } from '../../../lambda/control-plane/routes';
import type { ControlPlaneServices } from '../../../lambda/control-plane/services';

describe('CORS for the console', () => {
  const consoleOrigin = 'https://d111.cloudfront.net';

  it('names only a listed origin, exposes ETag to it, and varies on Origin', () => {
    expect(corsHeaders(consoleOrigin, [consoleOrigin])).toEqual({
      'access-control-allow-origin': consoleOrigin,
      'access-control-expose-headers': 'ETag',
      vary: 'Origin',
    });
    expect(corsHeaders('https://evil.example', [consoleOrigin])).toEqual({ vary: 'Origin' });
    expect(corsHeaders(undefined, [consoleOrigin])).toEqual({ vary: 'Origin' });
    expect(corsHeaders(consoleOrigin, [])).toEqual({});
  });

  it('reads ALLOWED_ORIGINS as the construct joins it', () => {
    expect(parseAllowedOrigins(`${consoleOrigin}, http://localhost:5173,`)).toEqual([
      consoleOrigin,
      'http://localhost:5173',
    ]);
    expect(parseAllowedOrigins(undefined)).toEqual([]);
  });

  it("adds the headers to the function's answers, refusals included", async () => {
    // Arrange
    const handler = createApiHandler(
      routeTable(ROUTES),
      {} as ControlPlaneServices,
      new Logger({ logLevel: 'SILENT' }),
      { allowedOrigins: [consoleOrigin] },
    );
    const event = (origin: string) =>
      ({
        resource: '/v1/me',
        path: '/v1/me',
        httpMethod: 'GET',
        headers: { Origin: origin },
        pathParameters: null,
        queryStringParameters: null,
        body: null,
        isBase64Encoded: false,
        requestContext: { requestId: 'r-1' },
      }) as unknown as APIGatewayProxyEvent;

    // Act: no caller in the context, so the router refuses
    const fromConsole = await handler(event(consoleOrigin));
    const fromElsewhere = await handler(event('https://evil.example'));

    // Assess
    expect(fromConsole.statusCode).toBe(401);
    expect(fromConsole.headers?.['access-control-allow-origin']).toBe(consoleOrigin);
    expect(fromElsewhere.headers?.['access-control-allow-origin']).toBeUndefined();
  });
});
