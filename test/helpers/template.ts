/** Reading a packaged CloudFormation template in tests. */
import type { Template } from './deploy.ts';

type Resource = Template['Resources'][string];

/** The resources of one type, as [logical id, resource] pairs. */
export function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** Each HTTP API route key and the logical id of the Lambda its integration invokes. */
export function routeTargets(template: Template): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const [, route] of resourcesOf(template, 'AWS::ApiGatewayV2::Route')) {
    const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
    const integration = template.Resources[integrationId];
    targets[route.Properties.RouteKey] = integration.Properties.IntegrationUri['Fn::GetAtt'][0];
  }
  return targets;
}

/** The IAM statements of a role. */
export function roleStatements(template: Template, roleId: string): { Effect: string; Action: string[]; Resource: unknown[] }[] {
  return template.Resources[roleId].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
}
