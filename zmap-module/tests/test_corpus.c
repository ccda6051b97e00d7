/*
 * test_corpus.c: "one corpus, every host", the ZMap module's part.
 *
 * For each corpus entry (tests/corpus/README.md; the tracebox fixture format)
 * it starts a scan with the entry's probe (version, key, and the option block
 * before MP_CAPABLE as options=hex:...), checks that make_packet sends exactly
 * the entry's option block, hands the recorded answer to process_packet as
 * ZMap would (Ethernet frame, validation words whose first is the probe's
 * sequence number), and prints one tab-separated row: path, mptcp_verdict,
 * mptcp_signals, optionstext ("-" without an answer). Entries whose SYN the
 * module cannot send (a kernel's own window or options) get no row. run.sh
 * requires every row to be one of tests/corpus/expected.tsv (its first four
 * columns).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <mptcpscan.h>

#include "zmap_double.h"

#define ETHER_LEN 14
#define PACKET_MAX 1600

extern probe_module_t module_mptcp_synscan;
static probe_module_t *const mod = &module_mptcp_synscan;

struct entry {
	unsigned version;
	char key[17];
	uint8_t options[MPTCPSCAN_MAX_OPTIONS_LEN];
	size_t options_len;
	uint8_t syn[PACKET_MAX]; /* the SYN the reply answers, from its IP header */
	size_t syn_len;
	int has_reply;
	unsigned reply_ttl;
	uint32_t seq;
	uint8_t reply[PACKET_MAX];
	size_t reply_len;
};

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;
	unsigned byte;

	if (n > cap)
		return 0;
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return 0;
		out[i] = (uint8_t)byte;
	}
	return n;
}

static int load(const char *path, struct entry *e)
{
	static char line[8192];
	static uint8_t sent[64][PACKET_MAX];
	static size_t sent_len[64];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	memset(e, 0, sizeof(*e));
	memset(sent_len, 0, sizeof(sent_len));
	while (fgets(line, sizeof(line), f)) {
		char *word = strtok(line, " \n");
		char *a = strtok(NULL, " \n");
		char *b = strtok(NULL, " \n");
		char *c = strtok(NULL, " \n");

		if (!word || !a)
			continue;
		if (!strcmp(word, "version")) {
			e->version = (unsigned)atoi(a);
		} else if (!strcmp(word, "options")) {
			e->options_len = unhex(a, e->options, sizeof(e->options));
		} else if (!strcmp(word, "sent") && b && atoi(a) > 0 && atoi(a) < 64) {
			sent_len[atoi(a)] = unhex(b, sent[atoi(a)], PACKET_MAX);
		} else if (!strcmp(word, "reply") && b && c) {
			e->has_reply = 1;
			e->reply_ttl = (unsigned)atoi(a);
			e->seq = (uint32_t)strtoul(b, NULL, 10);
			e->reply_len = unhex(c, e->reply + ETHER_LEN, PACKET_MAX - ETHER_LEN);
		}
	}
	fclose(f);
	if (e->has_reply && e->reply_ttl < 64) {
		e->syn_len = sent_len[e->reply_ttl];
		memcpy(e->syn, sent[e->reply_ttl], e->syn_len);
	}
	return 0;
}

/* Starts a scan with probe arguments args; 0 when the module then sends the
 * entry's SYN: the same option block and the same window. */
static int same_syn(const struct entry *e, char *args)
{
	static macaddr_t mac[6] = {0x02, 0x6d, 0x6c, 0x00, 0x00, 0x01};
	uint8_t frame[PACKET_MAX];
	uint32_t validation[4] = {0, 0, 0, 0}, src, dst;
	size_t frame_len = 0, ihl = 4 * (size_t)(e->syn[0] & 15);

	if (mod->close)
		mod->close(&double_conf, NULL, NULL);
	double_conf.source_port_first = 40000;
	double_conf.source_port_last = 40009;
	double_conf.probes_per_target = 1;
	double_conf.probe_args = args;
	if (mod->global_initialize(&double_conf) != EXIT_SUCCESS)
		return -1;
	inet_pton(AF_INET, "198.18.0.3", &src);
	inet_pton(AF_INET, "198.18.1.1", &dst);
	validate_gen(src, dst, htons(443), (uint8_t *)validation);
	mod->prepare_packet(frame, mac, mac, NULL);
	if (mod->make_packet(frame, &frame_len, src, dst, htons(443), 64, validation, 0, 1,
			     NULL) != EXIT_SUCCESS)
		return -1;
	if (e->syn_len < ihl + 20 || frame_len != ETHER_LEN + 40 + e->options_len ||
	    memcmp(frame + ETHER_LEN + 40, e->options, e->options_len) != 0 ||
	    memcmp(frame + ETHER_LEN + 20 + 14, e->syn + ihl + 14, 2) != 0)
		return -1;
	return 0;
}

static const char *text_of(const fieldset_t *fs, const char *name)
{
	const struct recorded_field *f = fieldset_get(fs, name);

	return f && f->type == REC_STRING ? f->str : "(null)";
}

/* Runs one entry: 0 when it printed its row, 1 when the module cannot send the
 * entry's SYN (no row), -1 on an unreadable entry. */
static int run(const char *path, fieldset_t *fs)
{
	static struct entry e;
	char args[200], hex[2 * MPTCPSCAN_MAX_OPTIONS_LEN + 1];
	uint32_t validation[4] = {0, 0, 0, 0}, n;
	size_t at, len, i;
	struct timespec ts = {0, 0};

	if (load(path, &e) != 0 || e.options_len == 0) {
		fprintf(stderr, "%s: unreadable entry\n", path);
		return -1;
	}
	if (!e.has_reply) {
		printf("%s\t-\t\t-\n", path);
		return 0;
	}
	/* The module puts MP_CAPABLE after the companion options: the entry's
	 * block must end with it for the module to send the same SYN. */
	if (mptcpscan_options_find_mptcp(e.options, e.options_len, &at, &len) !=
		    MPTCPSCAN_RESULT_OK ||
	    at + len != e.options_len) {
		fprintf(stderr, "%s: MP_CAPABLE is not the block's last option\n", path);
		return -1;
	}
	/* A v0 SYN's MP_CAPABLE carries the key the module must send. */
	if (e.version == 0 && len == 12)
		for (i = 0; i < 8; i++)
			snprintf(e.key + 2 * i, 3, "%02x", e.options[at + 4 + i]);
	for (i = 0; i < at; i++)
		snprintf(hex + 2 * i, 3, "%02x", e.options[i]);
	hex[2 * at] = '\0';
	/* A named companion set if one gives the recorded SYN, else the bytes. */
	for (n = 0; n <= MPTCPSCAN_COMPANIONS_STUDY2021 + 1; n++) {
		const char *set = "hex:";

		if (n <= MPTCPSCAN_COMPANIONS_STUDY2021 &&
		    mptcpscan_companions_name(n, &set) != MPTCPSCAN_RESULT_OK)
			continue;
		snprintf(args, sizeof(args), "version=%u%s%s,options=%s%s", e.version,
			 e.version == 0 ? ",key=" : "", e.version == 0 ? e.key : "", set,
			 n > MPTCPSCAN_COMPANIONS_STUDY2021 ? hex : "");
		if (same_syn(&e, args) == 0)
			break;
	}
	if (n > MPTCPSCAN_COMPANIONS_STUDY2021 + 1) {
		/* A real stack's SYN (a kernel's window, say): ZMap never sends it. */
		fprintf(stderr, "%s: skipped, the module cannot send this SYN (options, window)\n",
			path);
		return 1;
	}
	/* ZMap hands process_packet the Ethernet frame and the validation words
	 * of the probe, whose first is its sequence number. */
	memset(e.reply, 0, ETHER_LEN);
	e.reply[12] = 0x08;
	validation[0] = htonl(e.seq);
	fieldset_reset(fs);
	mod->process_packet(e.reply, (uint32_t)(ETHER_LEN + e.reply_len), fs, validation, ts);
	printf("%s\t%s\t%s\t%s\n", path, text_of(fs, "mptcp_verdict"),
	       text_of(fs, "mptcp_signals"), text_of(fs, "optionstext"));
	return 0;
}

int main(int argc, char **argv)
{
	static fieldset_t fs;
	int i, r, failed = 0, rows = 0;

	inet_pton(AF_INET, "198.18.0.0", &double_scan.allowed_prefix);
	inet_pton(AF_INET, "255.254.0.0", &double_scan.allowed_mask);
	double_scan.target_ports[0] = 443;
	double_scan.num_target_ports = 1;
	double_scan.probes_per_target = 1;
	for (i = 1; i < argc; i++) {
		r = run(argv[i], &fs);
		failed |= r < 0;
		rows += r == 0;
	}
	fprintf(stderr, "test_corpus: %d of %d entries answered\n", rows, argc - 1);
	if (mod->close)
		mod->close(&double_conf, NULL, NULL);
	fieldset_reset(&fs);
	return failed;
}
