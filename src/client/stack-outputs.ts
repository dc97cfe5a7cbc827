import { CONNECT_TIMEOUT_MS } from './private/http-agents';

/** A CloudFormation stack output, as `DescribeStacks` returns it. */
export interface StackOutput {
  readonly OutputKey?: string;
  readonly OutputValue?: string;
}

/** The outputs of one stack and the region they were read in. */
export interface StackOutputs {
  readonly outputs: readonly StackOutput[];
  /** The region the CloudFormation client resolved (the stack's region). */
  readonly region?: string;
}

/**
 * The outputs of CloudFormation stack `stackName` (`tfstate --stack`), with the default credential
 * chain and `region` (else the SDK's default region), or `undefined` when `DescribeStacks` returns no
 * stack. The client has Terraform's connect timeout, as the backend's clients (`CONNECT_TIMEOUT_MS`).
 * Loads `@aws-sdk/client-cloudformation` on call: importing this module loads no SDK.
 *
 * @throws the SDK's error when the call fails (a stack that does not exist is a `ValidationError`)
 */
export async function readStackOutputs(stackName: string, options: { region?: string } = {}): Promise<StackOutputs | undefined> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient({
    ...(options.region ? { region: options.region } : {}),
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS },
  });
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    if (!stack) return undefined;
    return { outputs: stack.Outputs ?? [], region: await cfn.config.region().catch(() => undefined) };
  } finally {
    cfn.destroy();
  }
}
