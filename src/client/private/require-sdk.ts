/**
 * The AWS SDK v3 packages the client runs on. The package declares them as optional dependencies
 * (jsii refuses non-jsii peer dependencies), so a CDK-only install (`npm install --omit=optional`)
 * has none of them: importing the client then fails here, naming what to install, instead of with a
 * bare "Cannot find module" from deep inside the client.
 */
export const AWS_SDK_PACKAGES = [
  '@aws-sdk/client-s3',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-sts',
  '@aws-sdk/client-cloudformation',
  '@aws-sdk/client-iam',
  '@aws-sdk/client-kms',
  '@aws-sdk/credential-providers',
] as const;

/** The packages of {@link AWS_SDK_PACKAGES} that `resolve` cannot find. */
export function missingAwsSdkPackages(resolve: (id: string) => string = require.resolve): string[] {
  return AWS_SDK_PACKAGES.filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

const missing = missingAwsSdkPackages();
if (missing.length > 0) {
  throw Object.assign(new Error(
    `cdk-tfstate-backend/client needs the AWS SDK v3, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed ` +
    '(they are optional dependencies, which `npm install --omit=optional` leaves out). ' +
    `Install ${missing.length === 1 ? 'it' : 'them'} next to cdk-tfstate-backend: npm install ${missing.join(' ')}`,
  ), { code: 'AWS_SDK_NOT_INSTALLED' });
}
