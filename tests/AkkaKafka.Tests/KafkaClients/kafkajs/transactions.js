// kafkajs transactions (its own protocol code: InitProducerId, AddPartitionsToTxn v0-1, AddOffsetsToTxn, TxnOffsetCommit,
// EndTxn v0-1) against one AkkaKafka broker: a committed and an aborted transaction, consume-transform-produce with
// sendOffsets, read_committed and read_uncommitted readers, the committed offsets, and the fencing of a producer by a
// second one with the same transactional id. Prints one line per step; exits non-zero with the error on any failure.
// Usage: node transactions.js HOST:PORT INPUT_TOPIC OUTPUT_TOPIC GROUP
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');
const [broker, input, output, group] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'kafkajs-transactions', brokers: [broker], logLevel: logLevel.WARN, retry: { retries: 10 } });
const inputCount = 100;
const batch = 50;

// Reads `topic` from the beginning in a fresh group until `count` distinct values arrived; bounded by 30 s.
async function readAll(topic, count, readUncommitted) {
  const consumer = kafka.consumer({ groupId: `${group}-reader-${readUncommitted ? 'uncommitted' : 'committed'}`, readUncommitted, sessionTimeout: 10000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out after 30 s with ${seen.size} of ${count} records`)), 30000);
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        seen.add(message.value.toString());
        if (seen.size >= count) { clearTimeout(timer); resolve(); }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: input, numPartitions: 3 }, { topic: output, numPartitions: 3 }], waitForLeaders: true });

  const plain = kafka.producer();
  await plain.connect();
  await plain.send({ topic: input, acks: -1, messages: Array.from({ length: inputCount }, (_, i) => ({ key: 'k' + i, value: 'in-' + i })) });
  await plain.disconnect();
  console.log('produced', inputCount, 'to', input);

  const producer = kafka.producer({ transactionalId: `${group}-tx`, maxInFlightRequests: 1, idempotent: true });
  await producer.connect();

  let txn = await producer.transaction();
  await txn.send({ topic: output, acks: -1, messages: Array.from({ length: batch }, (_, i) => ({ key: 'c' + i, value: 'committed-' + i })) });
  await txn.commit();
  console.log('committed', batch);

  txn = await producer.transaction();
  await txn.send({ topic: output, acks: -1, messages: Array.from({ length: batch }, (_, i) => ({ key: 'a' + i, value: 'aborted-' + i })) });
  await txn.abort();
  console.log('aborted', batch);

  // Consume-transform-produce: each batch of input and the group's offsets for it in one transaction.
  const transformer = kafka.consumer({ groupId: group, sessionTimeout: 10000 });
  await transformer.connect();
  await transformer.subscribe({ topic: input, fromBeginning: true });
  let transformed = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`transforming timed out after 30 s with ${transformed} of ${inputCount} records`)), 30000);
    transformer.run({
      autoCommit: false,
      eachBatch: async ({ batch: b }) => {
        if (b.messages.length === 0) return;
        const t = await producer.transaction();
        try {
          await t.send({ topic: output, acks: -1, messages: b.messages.map(m => ({ key: m.key, value: 'out-' + m.value.toString() })) });
          const next = (BigInt(b.messages[b.messages.length - 1].offset) + 1n).toString();
          await t.sendOffsets({ consumerGroupId: group, topics: [{ topic: b.topic, partitions: [{ partition: b.partition, offset: next }] }] });
          await t.commit();
        } catch (e) {
          await t.abort();
          throw e;
        }
        transformed += b.messages.length;
        if (transformed >= inputCount) { clearTimeout(timer); resolve(); }
      },
    });
  });
  await transformer.disconnect();
  console.log('transformed', transformed);

  const committed = await readAll(output, batch + inputCount, false);
  const aborted = [...committed].filter(v => v.startsWith('aborted-')).length;
  const outs = [...committed].filter(v => v.startsWith('out-in-')).length;
  const firsts = [...committed].filter(v => v.startsWith('committed-')).length;
  console.log('read_committed', committed.size, 'committed', firsts, 'transformed', outs, 'aborted', aborted);

  const uncommitted = await readAll(output, 2 * batch + inputCount, true);
  console.log('read_uncommitted', uncommitted.size, 'aborted', [...uncommitted].filter(v => v.startsWith('aborted-')).length);

  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [input] });
  console.log('group offsets', offsets.partitions.reduce((sum, p) => sum + Number(p.offset), 0));

  // A second producer with the same transactional id fences the first: its next transaction fails.
  const successor = kafka.producer({ transactionalId: `${group}-tx`, maxInFlightRequests: 1, idempotent: true });
  await successor.connect();
  // kafkajs asks InitProducerId with the transactional id at a producer's first transaction, not at connect.
  const successorTxn = await successor.transaction();
  let fenced = 'not fenced';
  try {
    const stale = await producer.transaction();
    await stale.send({ topic: output, acks: -1, messages: [{ key: 'z', value: 'zombie' }] });
    await stale.commit();
  } catch (e) {
    fenced = 'fenced ' + (e.type || e.name);
  }
  console.log(fenced);
  await successorTxn.abort();
  await successor.disconnect();
  await producer.disconnect().catch(() => {});

  await admin.deleteTopics({ topics: [input, output] });
  await admin.disconnect();
  console.log('done');
})().catch(e => { console.error('FAILED', e && e.stack || e); process.exit(1); });
