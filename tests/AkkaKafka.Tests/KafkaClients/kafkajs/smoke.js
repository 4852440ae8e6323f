// kafkajs (pure JavaScript, its own protocol code) against one AkkaKafka broker: admin, keyed produce with acks=-1,
// a consumer group reading from the beginning, committed offsets, topic deletion. Prints one line per step;
// exits non-zero with the error on any failure. Usage: node smoke.js HOST:PORT TOPIC GROUP
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');
const [broker, topic, group] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'kafkajs-spec', brokers: [broker], logLevel: logLevel.WARN, retry: { retries: 10 } });
const count = 300;

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  console.log('created', topic, (await admin.listTopics()).includes(topic));

  const producer = kafka.producer();
  await producer.connect();
  const sent = await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ key: 'k' + (i % 10), value: String(i) })) });
  await producer.disconnect();
  console.log('produced', count, 'to partitions', [...new Set(sent.map(r => r.partition))].sort().join(','));

  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after 30 s with ${seen.size} of ${count} records`)), 30000);
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(message.value.toString());
        if (seen.size === count) { clearTimeout(timer); resolve(); }
      },
    });
  });
  await consumer.disconnect(); // commits what was consumed
  console.log('consumed', seen.size);

  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const total = committed.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  console.log('committed', total);

  await admin.deleteTopics({ topics: [topic] });
  console.log('deleted', topic);
  await admin.disconnect();
})().catch(e => { console.error('FAILED', e && e.stack || e); process.exit(1); });
