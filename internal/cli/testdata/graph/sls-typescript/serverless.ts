const serverlessConfiguration = { service: 'typed', provider: { name: 'aws' } };
module.exports = serverlessConfiguration;
