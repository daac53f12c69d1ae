// Bridge from serverless.yml (`${file(infra/deploy/serverless-parts.cjs):<part>}`) to the TypeScript that
// derives the functions, routes, roles, state machines and resources from the code (serverless-parts.ts).
const { join } = require('node:path');
const { require: tsxRequire } = require('tsx/cjs/api');

const { serverlessParts } = tsxRequire('./serverless-parts.ts', __filename);

module.exports = async ({ resolveVariable }) => {
  const param = async (name) => String((await resolveVariable(`param:${name}`)) ?? '');
  return serverlessParts({
    service: await resolveVariable('self:service'),
    stage: await resolveVariable('sls:stage'),
    domain: await param('domain'),
    certificateArn: await param('certificateArn'),
    accessKeyId: await param('accessKeyId'),
    secretParameter: await param('secretParameter'),
    secretKmsKeyArn: await param('secretKmsKeyArn'),
    iamSecretId: await param('iamSecretId'),
    iamParameter: await param('iamParameter'),
    peersSecretId: await param('peersSecretId'),
  }, join(__dirname, '..', '..'));
};
