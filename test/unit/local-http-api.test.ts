import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { ROUTES } from '../../lambda/control-plane/routes';
import { LocalHttpApi } from '../../local/control-plane/http-adapter';

describe('LocalHttpApi (API Gateway and the WAF, on a loopback port)', () => {
  let api: LocalHttpApi;
  let url: string;
  const authorized: APIGatewayRequestAuthorizerEvent[] = [];
  const invoked: APIGatewayProxyEvent[] = [];

  beforeAll(async () => {
    api = new LocalHttpApi({
      routes: ROUTES,
      callerRateLimit: 3,
      authorizer: async (event) => {
        authorized.push(event);
        if (event.headers?.authorization?.endsWith('wrong')) throw new Error('Unauthorized');
        return {
          principalId: 'user:u-1',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
          },
          context: { kind: 'user', id: 'u-1' },
        };
      },
      api: async (event) => {
        invoked.push(event);
        return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
      },
    });
    url = await api.start();
  });

  afterAll(async () => {
    await api.stop();
  });

  beforeEach(() => {
    authorized.length = 0;
    invoked.length = 0;
  });

  const get = (path: string, authorization?: string) =>
    fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });

  it('matches the route template and hands the API what API Gateway would, with the authorizer context', async () => {
    // Act
    const response = await get('/v1/workspaces/ws-1/destinations/orders', 'Bearer good');

    // Assess
    expect(response.status).toBe(200);
    expect(authorized[0]).toMatchObject({
      type: 'REQUEST',
      resource: '/v1/workspaces/{workspace}/destinations/{destination}',
      pathParameters: { workspace: 'ws-1', destination: 'orders' },
    });
    expect(invoked[0]).toMatchObject({
      resource: '/v1/workspaces/{workspace}/destinations/{destination}',
      httpMethod: 'GET',
      pathParameters: { workspace: 'ws-1', destination: 'orders' },
      requestContext: { authorizer: { kind: 'user', id: 'u-1', principalId: 'user:u-1' } },
    });
  });

  it('answers 401 without credentials, before any authorizer or handler runs', async () => {
    // Act
    const response = await get('/v1/workspaces/ws-1/destinations');

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'Unauthorized', requestId: expect.any(String) });
    expect(authorized).toEqual([]);
    expect(invoked).toEqual([]);
  });

  it('answers 401 when the authorizer refuses, and never calls the handler', async () => {
    // Act
    const response = await get('/v1/workspaces/ws-1/destinations', 'Bearer wrong');

    // Assess
    expect(response.status).toBe(401);
    expect(invoked).toEqual([]);
  });

  it('lets public routes through without credentials or the authorizer', async () => {
    // Act
    const response = await get('/v1/openapi.json');

    // Assess
    expect(response.status).toBe(200);
    expect(authorized).toEqual([]);
    expect(invoked).toHaveLength(1);
  });

  it('answers 404 for no route, 405 for another method, 400 for a malformed escape', async () => {
    // Act
    const answers = await Promise.all([
      get('/v1/nowhere', 'Bearer good'),
      fetch(`${url}/v1/openapi.json`, { method: 'DELETE' }),
      get('/v1/workspaces/ws-%FF/destinations', 'Bearer good'),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([404, 405, 400]);
    expect(invoked).toEqual([]);
  });

  it('limits each caller however the header is spelled, as the WAF rule does', async () => {
    // Act
    const statuses = [];
    for (const spelling of ['Bearer limited', 'bearer limited', 'BEARER  limited', ' Bearer limited'])
      statuses.push((await get('/v1/workspaces/ws-1/destinations', spelling)).status);

    // Assess
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('LocalHttpApi with the console as its one allowed origin (CORS as API Gateway answers it)', () => {
  const consoleOrigin = 'http://127.0.0.1:5173';
  let api: LocalHttpApi;
  let url: string;

  beforeAll(async () => {
    api = new LocalHttpApi({
      routes: ROUTES,
      callerRateLimit: 100,
      allowedOrigins: [consoleOrigin],
      authorizer: async () => {
        throw new Error('Unauthorized');
      },
      api: async () => ({ statusCode: 200, body: '{}' }),
    });
    url = await api.start();
  });

  afterAll(async () => {
    await api.stop();
  });

  const preflight = (origin: string) =>
    fetch(`${url}/v1/workspaces/ws-1/publish`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,if-match',
      },
    });

  it('answers the preflight from the console with the methods and headers the console sends', async () => {
    // Act
    const response = await preflight(consoleOrigin);

    // Assess
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(consoleOrigin);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,If-Match');
  });

  it('gives another origin nothing a browser would accept', async () => {
    // Act
    const response = await preflight('https://evil.example');

    // Assess
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-methods')).toBeNull();
  });

  it("lets the console's page read a 401, so it can ask to sign in again", async () => {
    // Act
    const response = await fetch(`${url}/v1/me`, {
      headers: { origin: consoleOrigin, authorization: 'Bearer x' },
    });

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(consoleOrigin);
    expect(response.headers.get('vary')).toBe('Origin');
  });
});
