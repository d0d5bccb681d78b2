/**
 * The AWS part of the environment, as tests need it: dummy credentials, no retry or endpoint
 * settings from the developer's shell, and optionally both endpoint overrides aimed at a
 * simulator. Returns a function that puts everything back as it was.
 */
const AWS_ENV_KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_DEVICE_FARM',
  'AWS_ENDPOINT_URL_MEDIACONNECT',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
] as const;

export function isolateAwsEnv(endpoint?: string): () => void {
  const saved = Object.fromEntries(AWS_ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const key of [
    'AWS_SESSION_TOKEN',
    'AWS_ENDPOINT_URL',
    'AWS_MAX_ATTEMPTS',
    'AWS_RETRY_MODE',
  ]) {
    delete process.env[key];
  }
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  if (endpoint) {
    process.env.AWS_ENDPOINT_URL_DEVICE_FARM = endpoint;
    process.env.AWS_ENDPOINT_URL_MEDIACONNECT = endpoint;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
