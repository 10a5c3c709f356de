const { handler } = require('./lambdaServer');
const event = require('../../tests/data/api-gateway-event.json');
const ctx = { awsRequestId: 'x', succeed() {}, fail() {}, done() {} };
(async () => {
  const t0 = process.hrtime.bigint();
  const first = await handler(JSON.parse(JSON.stringify(event)), ctx);
  const t1 = process.hrtime.bigint();
  if (first.statusCode !== 200) throw new Error(JSON.stringify(first));
  const n = 20000;
  const t2 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await handler(JSON.parse(JSON.stringify(event)), ctx);
  const t3 = process.hrtime.bigint();
  console.log(`first event ${(Number(t1 - t0) / 1e6).toFixed(1)} ms; per event ${(Number(t3 - t2) / 1e3 / n).toFixed(1)} us`);
})();
