// Sarama (Debian's golang-github-shopify-sarama-dev) against an AkkaKafka broker: produces single-record batches
// with RecordBatch v2 (Version 0.11), whose headers Sarama sends with maxTimestamp -1, then asks ListOffsets for the
// first record at or after a timestamp. Built offline with GO111MODULE=off and GOPATH=/usr/share/gocode (see
// SaramaSpecs.cs).
//
// Usage: sarama-timestamps BROKER TOPIC COUNT
// Prints "produced COUNT first FIRST_OFFSET last LAST_OFFSET written WRITTEN_MS" and "offset-for WRITTEN_MS+i: OFFSET"
// for a few i; exits 1 with the error on stderr when anything fails.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/Shopify/sarama"
)

func main() {
	if len(os.Args) != 4 {
		fail(fmt.Errorf("usage: sarama-timestamps BROKER TOPIC COUNT"))
	}
	broker, topic := os.Args[1], os.Args[2]
	count, err := strconv.Atoi(os.Args[3])
	if err != nil || count < 1 {
		fail(fmt.Errorf("COUNT must be a positive number, got %q", os.Args[3]))
	}

	config := sarama.NewConfig()
	config.ClientID = "sarama-timestamps"
	config.Version = sarama.V0_11_0_0 // record batches (v2); ListOffsets v1 by timestamp
	config.Producer.Return.Successes = true
	config.Producer.RequiredAcks = sarama.WaitForAll
	config.Producer.Partitioner = sarama.NewManualPartitioner

	producer, err := sarama.NewSyncProducer([]string{broker}, config)
	if err != nil {
		fail(err)
	}
	// A minute ago, one millisecond apart: fresh records, well inside any retention.
	written := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	first, last := int64(-1), int64(-1)
	for i := 0; i < count; i++ {
		message := &sarama.ProducerMessage{
			Topic:     topic,
			Partition: 0,
			Value:     sarama.StringEncoder(fmt.Sprintf("sarama-%d", i)),
			Timestamp: written.Add(time.Duration(i) * time.Millisecond),
		}
		_, offset, err := producer.SendMessage(message)
		if err != nil {
			fail(fmt.Errorf("record %d: %v", i, err))
		}
		if first < 0 {
			first = offset
		}
		last = offset
	}
	if err := producer.Close(); err != nil {
		fail(err)
	}
	writtenMs := written.UnixNano() / int64(time.Millisecond)
	fmt.Printf("produced %d first %d last %d written %d\n", count, first, last, writtenMs)

	client, err := sarama.NewClient([]string{broker}, config)
	if err != nil {
		fail(err)
	}
	defer client.Close()
	for _, i := range []int64{0, int64(count) / 2, int64(count) - 1} {
		offset, err := client.GetOffset(topic, 0, writtenMs+i)
		if err != nil {
			fail(fmt.Errorf("ListOffsets for %d: %v", writtenMs+i, err))
		}
		fmt.Printf("offset-for %d: %d\n", writtenMs+i, offset)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sarama-timestamps:", err)
	os.Exit(1)
}
