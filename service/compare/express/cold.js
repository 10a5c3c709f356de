const { handler } = require('./lambdaServer');
const event = require('../../tests/data/api-gateway-event.json');
handler(event, { awsRequestId: 'x', succeed() {}, fail() {}, done() {} }).then(r => { if (r.statusCode !== 200) process.exit(1); });
