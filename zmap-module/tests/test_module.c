/*
 * test_module.c: drives module_mptcp_synscan.c through ZMap's callbacks with
 * the framework double of zmap_double.c and libmptcpscan: both modules,
 * mptcp_synscan (IPv4) and ipv6_mptcp_synscan (TUM's IPv6 fork).
 *
 * Usage: test_module PCAP EXPECTED FIXTURES
 * Writes every probe it checks to PCAP (Ethernet) and, to EXPECTED, the line
 * `tshark -T fields` must print for each (see run.sh): a decoder that shares
 * no code with ours reads the same bytes. FIXTURES is the folder of what a
 * real build of the fork handed the IPv6 module in the lab, with the CSV it
 * wrote (fixtures/tumi8-ipv6/README.md): the module must write it again.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <mptcpscan.h>

#include "zmap_double.h"

extern probe_module_t module_mptcp_synscan;
extern probe_module_t module_ipv6_mptcp_synscan;
static probe_module_t *const mod = &module_mptcp_synscan;
static probe_module_t *const mod6 = &module_ipv6_mptcp_synscan;

static int checks;
static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		checks++;                                                    \
		if (!(cond)) {                                               \
			failures++;                                          \
			fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);      \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
		}                                                            \
	} while (0)

#define ETHER_LEN 14
#define PORT_FIRST 40000
#define PORT_LAST 40009
#define TARGET_PORT 443

static macaddr_t src_mac[6] = {0x02, 0x6d, 0x6c, 0x00, 0x00, 0x02};
static macaddr_t gw_mac[6] = {0x02, 0x6d, 0x6c, 0x00, 0x00, 0x01};
/* Network order, as ZMap passes addresses. */
static uint32_t scanner_ip;
static uint32_t target_ip;
static uint32_t router_ip;
static uint32_t outside_ip;

static FILE *pcap;
static FILE *expected;

/* The 2020/2021 scans' option block (REFERENCE §1), byte for byte. */
static const uint8_t study2021_v0[] = {
    0x02, 0x04, 0x00, 0x01,			/* MSS 1 */
    0x04, 0x02,					/* SACK permitted */
    0x08, 0x0a, 0x0f, 0x0f, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x00, /* TS */
    0x01,					/* NOP */
    0x03, 0x03, 0x00,				/* window scale 0 */
    0x1e, 0x0c, 0x00, 0x81,			/* MP_CAPABLE v0, A and H */
    0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, /* key */
};

/* A whole frame of that probe for the target of test_study2021_frame():
 * every byte written out, the checksums computed with Python's struct. */
static const uint8_t study2021_frame[] = {
    /* Ethernet: gateway, scanner, IPv4 */
    0x02, 0x6d, 0x6c, 0x00, 0x00, 0x01, 0x02, 0x6d, 0x6c, 0x00, 0x00, 0x02,
    0x08, 0x00,
    /* IPv4: 72 bytes, id 0xbeef, TTL 255, TCP, 198.18.0.3 > 198.18.1.1 */
    0x45, 0x00, 0x00, 0x48, 0xbe, 0xef, 0x40, 0x00, 0xff, 0x06, 0x2f, 0x97,
    0xc6, 0x12, 0x00, 0x03, 0xc6, 0x12, 0x01, 0x01,
    /* TCP: 40005 > 443, seq 0x11223344, SYN, window 65535, 52 bytes */
    0x9c, 0x45, 0x01, 0xbb, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00,
    0xd0, 0x02, 0xff, 0xff, 0x41, 0x51, 0x00, 0x00,
    /* options */
    0x02, 0x04, 0x00, 0x01, 0x04, 0x02, 0x08, 0x0a, 0x0f, 0x0f, 0x0f, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x00, 0x1e, 0x0c, 0x00, 0x81,
    0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
};

/* Real SYN-ACK option areas printed in the thesis (REFERENCE §1), answers
 * to the study2021 probe: a v0 server (key 0xd20fa49300bda23d) and a host
 * without MPTCP (19 bytes as printed; the wire pads them to 20). */
static const uint8_t thesis_v0_server[] = {
    0x02, 0x04, 0x05, 0xac, 0x04, 0x02, 0x08, 0x0a, 0x26, 0x19, 0xf9, 0xd3,
    0x0f, 0x0f, 0x0f, 0x01, 0x03, 0x03, 0x06, 0x1e, 0x0c, 0x00, 0x81, 0xd2,
    0x0f, 0xa4, 0x93, 0x00, 0xbd, 0xa2, 0x3d, 0x00,
};
static const uint8_t thesis_no_mptcp[] = {
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x03, 0x55,
    0x35, 0xf4, 0x0f, 0x0f, 0x0f, 0x01, 0x03, 0x03, 0x07, 0x00,
};

/* Option areas of SYN-ACKs captured in the mptcpscan lab: an upstream Linux
 * MPTCP listener answering the default v1 probe (its TSecr is the probe's
 * TSval), and the thesis-style mirror (MSS, SACK permitted and MP_CAPABLE
 * echoed, the rest overwritten with NOPs) answering the study2021 probe. */
static const uint8_t lab_linux_v1[] = {
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xf5, 0x7b, 0x47, 0x24,
    0x6d, 0x70, 0x74, 0x63, 0x01, 0x03, 0x03, 0x0a, 0x1e, 0x0c, 0x01, 0x01,
    0x1c, 0x62, 0xe3, 0xda, 0xf2, 0x9b, 0x97, 0x84,
};
static const uint8_t lab_thesis_mirror[] = {
    0x02, 0x04, 0x00, 0x01, 0x04, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x1e, 0x0c, 0x00, 0x81,
    0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
};

/* ---- packets ---- */

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)sum;
}

static uint32_t sum_bytes(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	}
	if (len % 2) {
		sum += (uint32_t)p[len - 1] << 8;
	}
	return sum;
}

/* Whether an IPv4 packet's header and TCP checksums verify (RFC 1071). */
static int checksums_verify(const uint8_t *ip, size_t len)
{
	size_t ihl = 4 * (size_t)(ip[0] & 0xf);
	if (fold(sum_bytes(ip, ihl)) != 0xffff) {
		return 0;
	}
	uint32_t sum = sum_bytes(ip + 12, 8) + 6 + (uint32_t)(len - ihl);
	return fold(sum + sum_bytes(ip + ihl, len - ihl)) == 0xffff;
}

static void fill_checksums(uint8_t *ip, size_t len)
{
	size_t ihl = 4 * (size_t)(ip[0] & 0xf);
	ip[10] = ip[11] = 0;
	uint16_t c = (uint16_t)~fold(sum_bytes(ip, ihl));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	if (ip[9] != IPPROTO_TCP) {
		return;
	}
	uint8_t *tcp = ip + ihl;
	tcp[16] = tcp[17] = 0;
	uint32_t sum = sum_bytes(ip + 12, 8) + 6 + (uint32_t)(len - ihl);
	c = (uint16_t)~fold(sum + sum_bytes(tcp, len - ihl));
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Writes an Ethernet frame with an IPv4 header for proto and payload_len
 * bytes after it; returns the IP header. */
static uint8_t *frame_ip(uint8_t *frame, uint8_t proto, uint32_t src,
			 uint32_t dst, size_t payload_len, uint8_t ttl)
{
	memset(frame, 0, ETHER_LEN + 20);
	memcpy(frame, src_mac, 6);
	memcpy(frame + 6, gw_mac, 6);
	frame[12] = 0x08;
	uint8_t *ip = frame + ETHER_LEN;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + payload_len));
	ip[8] = ttl;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	return ip;
}

/* A reply from target:sport to the scanner's dport; returns the frame length. */
static size_t make_reply(uint8_t *frame, uint16_t sport, uint16_t dport,
			 uint32_t seq, uint32_t ack, uint8_t flags,
			 uint16_t window, const uint8_t *options,
			 size_t options_len)
{
	size_t padded = (options_len + 3) / 4 * 4;
	uint8_t *ip = frame_ip(frame, IPPROTO_TCP, target_ip, scanner_ip,
			       20 + padded, 61);
	uint8_t *tcp = ip + 20;
	memset(tcp, 0, 20 + padded);
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = (uint8_t)((20 + padded) / 4 << 4);
	tcp[13] = flags;
	put16(tcp + 14, window);
	memcpy(tcp + 20, options, options_len);
	fill_checksums(ip, 40 + padded);
	return ETHER_LEN + 40 + padded;
}

/* An ICMP error from the router quoting quote_len bytes of the probe. */
static size_t make_icmp(uint8_t *frame, uint8_t type, uint8_t code,
			const uint8_t *probe_ip, size_t quote_len)
{
	uint8_t *ip = frame_ip(frame, IPPROTO_ICMP, router_ip, scanner_ip,
			       8 + quote_len, 64);
	uint8_t *icmp = ip + 20;
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	memcpy(icmp + 8, probe_ip, quote_len);
	uint16_t c = (uint16_t)~fold(sum_bytes(icmp, 8 + quote_len));
	put16(icmp + 2, c);
	fill_checksums(ip, 28 + quote_len);
	return ETHER_LEN + 28 + quote_len;
}

static void pcap_write(const uint8_t *frame, size_t len)
{
	uint32_t record[4] = {(uint32_t)checks, 0, (uint32_t)len,
			      (uint32_t)len};
	fwrite(record, sizeof(record), 1, pcap);
	fwrite(frame, 1, len, pcap);
}

/* ---- the scan ---- */

static void start_scan(const char *probe_args)
{
	if (mod->close) {
		mod->close(&double_conf, NULL, NULL);
	}
	double_conf.source_port_first = PORT_FIRST;
	double_conf.source_port_last = PORT_LAST;
	double_conf.validate_source_port_override =
	    VALIDATE_SRC_PORT_UNSET_OVERRIDE;
	double_conf.probes_per_target = double_scan.probes_per_target;
	double_conf.probe_args = (char *)probe_args;
	CHECK(mod->global_initialize(&double_conf) == EXIT_SUCCESS,
	      "global_initialize(%s)", probe_args ? probe_args : "NULL");
}

static void target_validation(uint32_t validation[4], uint32_t dst)
{
	validate_gen(scanner_ip, dst, htons(TARGET_PORT),
		     (uint8_t *)validation);
}

/* Sends probe probe_num to target into frame (prepared once by the caller). */
static size_t send_probe(uint8_t *frame, uint32_t dst, int probe_num)
{
	uint32_t validation[4];
	target_validation(validation, dst);
	size_t len = 0;
	CHECK(mod->make_packet(frame, &len, scanner_ip, dst, htons(TARGET_PORT),
			       255, validation, probe_num,
			       (uint16_t)(validation[3] & 0xffff),
			       NULL) == EXIT_SUCCESS,
	      "make_packet");
	return len;
}

static uint32_t probe_seq(uint32_t dst)
{
	uint32_t validation[4];
	target_validation(validation, dst);
	return ntohl(validation[0]);
}

static uint16_t probe_port(uint32_t dst, int probe_num)
{
	uint32_t validation[4];
	target_validation(validation, dst);
	return get_src_port(PORT_LAST - PORT_FIRST + 1, probe_num, validation);
}

/* Checks a probe's headers against the target, its checksums, and its
 * option area with the library's own parser; logs it for tshark. */
static void check_probe(const uint8_t *frame, size_t len, uint32_t dst,
			int probe_num, uint32_t version, const uint8_t *options,
			size_t options_len)
{
	const uint8_t *ip = frame + ETHER_LEN;
	const uint8_t *tcp = ip + 20;
	CHECK(len == ETHER_LEN + 40 + options_len, "probe length %zu", len);
	CHECK(!memcmp(frame, gw_mac, 6) && !memcmp(frame + 6, src_mac, 6) &&
		  frame[12] == 0x08 && frame[13] == 0x00,
	      "Ethernet header");
	CHECK(ip[0] == 0x45 && ip[8] == 255 && ip[9] == IPPROTO_TCP,
	      "IP version, TTL, protocol");
	CHECK((size_t)(ip[2] << 8 | ip[3]) == len - ETHER_LEN, "IP length");
	CHECK(!memcmp(ip + 12, &scanner_ip, 4) && !memcmp(ip + 16, &dst, 4),
	      "IP addresses");
	uint16_t sport = (uint16_t)(tcp[0] << 8 | tcp[1]);
	uint16_t dport = (uint16_t)(tcp[2] << 8 | tcp[3]);
	uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 |
		       (uint32_t)tcp[6] << 8 | tcp[7];
	CHECK(sport == probe_port(dst, probe_num), "source port %u", sport);
	CHECK(dport == TARGET_PORT, "destination port %u", dport);
	CHECK(seq == probe_seq(dst), "sequence number");
	CHECK(tcp[13] == TH_SYN, "flags 0x%02x", tcp[13]);
	CHECK((size_t)(tcp[12] >> 4) * 4 == 20 + options_len, "data offset");
	CHECK(checksums_verify(ip, len - ETHER_LEN), "checksums");
	CHECK(!memcmp(tcp + 20, options, options_len), "option bytes");

	struct mptcpscan_tcp_option walked[MPTCPSCAN_MAX_OPTIONS_LEN];
	size_t count;
	CHECK(mptcpscan_options_walk(tcp + 20, options_len, walked,
				     MPTCPSCAN_MAX_OPTIONS_LEN,
				     &count) == MPTCPSCAN_RESULT_OK,
	      "options walk");
	size_t at, mpc_len;
	CHECK(mptcpscan_options_find_mptcp(tcp + 20, options_len, &at,
					   &mpc_len) == MPTCPSCAN_RESULT_OK,
	      "MP_CAPABLE found");
	struct mptcpscan_mptcp_option mpc;
	CHECK(mptcpscan_mptcp_parse(tcp + 20 + at, mpc_len, version, &mpc) ==
		      MPTCPSCAN_RESULT_OK &&
		  mpc.subtype == MPTCPSCAN_MPTCP_SUBTYPE_MP_CAPABLE &&
		  mpc.body.mp_capable.version == version &&
		  mpc.body.mp_capable.has_sender_key == (version == 0),
	      "MP_CAPABLE parses as v%u", (unsigned)version);

	pcap_write(frame, len);
	/* ip.checksum.status tcp.checksum.status tcp.srcport tcp.flags
	 * mptcp.version mptcp.sendkey */
	fprintf(expected, "1\t1\t%u\t0x0002\t%u\t", sport, (unsigned)version);
	if (version == 0) {
		fprintf(expected, "%" PRIu64,
			mpc.body.mp_capable.sender_key);
	}
	fprintf(expected, "\n");
}

static void options_of(uint32_t version, uint64_t key, uint32_t companions,
		       uint8_t *out, size_t *len)
{
	struct mptcpscan_probe_spec spec;
	CHECK(mptcpscan_probe_spec_default(version, key, companions, &spec) ==
		  MPTCPSCAN_RESULT_OK,
	      "spec");
	CHECK(mptcpscan_probe_options(&spec, out, MPTCPSCAN_MAX_OPTIONS_LEN,
				      len) == MPTCPSCAN_RESULT_OK,
	      "options");
}

/* ---- tests ---- */

static void test_study2021_frame(void)
{
	start_scan("version=0,key=0c0c0c0c0c0c0c0c,options=study2021");
	uint8_t frame[MAX_PACKET_SIZE];
	memset(frame, 0xee, sizeof(frame));
	CHECK(mod->prepare_packet(frame, src_mac, gw_mac, NULL) ==
		  EXIT_SUCCESS,
	      "prepare_packet");
	uint32_t validation[4] = {htonl(0x11223344), 5, 0, 0};
	size_t len = 0;
	mod->make_packet(frame, &len, scanner_ip, target_ip, htons(443), 255,
			 validation, 0, htons(0xbeef), NULL);
	CHECK(len == sizeof(study2021_frame), "length %zu", len);
	for (size_t i = 0; i < sizeof(study2021_frame) && i < len; i++) {
		CHECK(frame[i] == study2021_frame[i],
		      "byte %zu: 0x%02x, want 0x%02x", i, frame[i],
		      study2021_frame[i]);
	}
	CHECK(checksums_verify(frame + ETHER_LEN, len - ETHER_LEN),
	      "checksums");
	CHECK(mod->max_packet_length >= len, "max_packet_length");
}

static void test_probes(void)
{
	static const struct {
		const char *args;
		uint32_t version;
		uint32_t companions;
	} cases[] = {
	    {NULL, 1, MPTCPSCAN_COMPANIONS_LINUX},
	    {"version=1,options=windows", 1, MPTCPSCAN_COMPANIONS_WINDOWS},
	    {"version=1,options=bsd", 1, MPTCPSCAN_COMPANIONS_BSD},
	    {"version=1,options=minimal", 1, MPTCPSCAN_COMPANIONS_MINIMAL},
	    {"version=0,key=0123456789abcdef", 0, MPTCPSCAN_COMPANIONS_LINUX},
	    {"options=study2021,version=0,key=0c0c0c0c0c0c0c0c", 0,
	     MPTCPSCAN_COMPANIONS_STUDY2021},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		start_scan(cases[c].args);
		uint8_t options[MPTCPSCAN_MAX_OPTIONS_LEN];
		size_t options_len;
		options_of(cases[c].version,
			   c == 4 ? 0x0123456789abcdefULL : 0x0c0c0c0c0c0c0c0cULL,
			   cases[c].companions, options, &options_len);
		if (cases[c].companions == MPTCPSCAN_COMPANIONS_STUDY2021) {
			CHECK(options_len == sizeof(study2021_v0) &&
				  !memcmp(options, study2021_v0, options_len),
			      "study2021 block");
		}
		uint8_t frame[MAX_PACKET_SIZE];
		mod->prepare_packet(frame, src_mac, gw_mac, NULL);
		/* The same buffer for many targets, as ZMap reuses it. */
		for (uint32_t i = 1; i <= 3; i++) {
			uint32_t dst = htonl(ntohl(target_ip) + i);
			size_t len = send_probe(frame, dst, 0);
			check_probe(frame, len, dst, 0, cases[c].version,
				    options, options_len);
		}
	}
}

static void test_hex_options(void)
{
	/* MSS 1400 and SACK permitted, then the library's MP_CAPABLE. */
	start_scan("options=hex:02040578,version=1");
	uint8_t frame[MAX_PACKET_SIZE];
	mod->prepare_packet(frame, src_mac, gw_mac, NULL);
	size_t len = send_probe(frame, target_ip, 0);
	static const uint8_t want[] = {0x02, 0x04, 0x05, 0x78,
				       0x1e, 0x04, 0x01, 0x01};
	check_probe(frame, len, target_ip, 0, 1, want, sizeof(want));
}

/* version=both: even probes v1, odd v0, whatever a buffer held before. */
static void test_both(void)
{
	double_scan.probes_per_target = 2;
	start_scan("version=both,key=0c0c0c0c0c0c0c0c");
	uint8_t v1[MPTCPSCAN_MAX_OPTIONS_LEN], v0[MPTCPSCAN_MAX_OPTIONS_LEN];
	size_t v1_len, v0_len;
	options_of(1, 0, MPTCPSCAN_COMPANIONS_LINUX, v1, &v1_len);
	options_of(0, 0x0c0c0c0c0c0c0c0cULL, MPTCPSCAN_COMPANIONS_LINUX, v0,
		   &v0_len);
	uint8_t frame[MAX_PACKET_SIZE];
	mod->prepare_packet(frame, src_mac, gw_mac, NULL);
	static const int order[] = {0, 1, 1, 0, 0, 3, 2};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int probe_num = order[i];
		size_t len = send_probe(frame, target_ip, probe_num);
		if (probe_num % 2) {
			check_probe(frame, len, target_ip, probe_num, 0, v0,
				    v0_len);
		} else {
			check_probe(frame, len, target_ip, probe_num, 1, v1,
				    v1_len);
		}
	}
	double_scan.probes_per_target = 1;
}

static int validate(const uint8_t *frame, size_t len)
{
	const struct ip *ip = (const struct ip *)(frame + ETHER_LEN);
	uint32_t src = ip->ip_src.s_addr;
	uint16_t port = 0;
	if (ip->ip_p == IPPROTO_TCP && len >= ETHER_LEN + 40) {
		memcpy(&port, frame + ETHER_LEN + 20, 2);
	}
	/* What ZMap's receiver derives from the reply's addresses. */
	uint32_t validation[4];
	validate_gen(ip->ip_dst.s_addr, src, port, (uint8_t *)validation);
	return mod->validate_packet(ip, (uint32_t)(len - ETHER_LEN), &src,
				    validation, NULL);
}

static void test_validation(void)
{
	start_scan("version=1");
	uint8_t probe[MAX_PACKET_SIZE];
	mod->prepare_packet(probe, src_mac, gw_mac, NULL);
	size_t probe_len = send_probe(probe, target_ip, 0);
	uint32_t seq = probe_seq(target_ip);
	uint16_t ours = probe_port(target_ip, 0);
	uint16_t not_ours = ours == PORT_LAST ? PORT_FIRST : ours + 1;
	uint8_t r[256];
	size_t n;

	n = make_reply(r, TARGET_PORT, ours, 7, seq + 1, TH_SYN | TH_ACK, 100,
		       NULL, 0);
	CHECK(validate(r, n) == PACKET_VALID, "SYN-ACK acking seq+1");
	n = make_reply(r, TARGET_PORT, ours, 7, seq, TH_SYN | TH_ACK, 100,
		       NULL, 0);
	CHECK(validate(r, n) == PACKET_INVALID, "SYN-ACK acking seq");
	n = make_reply(r, TARGET_PORT, ours, 7, seq + 2, TH_SYN | TH_ACK, 100,
		       NULL, 0);
	CHECK(validate(r, n) == PACKET_INVALID, "SYN-ACK acking seq+2");
	n = make_reply(r, TARGET_PORT, ours, 0, seq + 1, TH_RST | TH_ACK, 0,
		       NULL, 0);
	CHECK(validate(r, n) == PACKET_VALID, "RST acking seq+1");
	n = make_reply(r, TARGET_PORT, ours, 0, seq, TH_RST, 0, NULL, 0);
	CHECK(validate(r, n) == PACKET_VALID, "RST acking seq");
	n = make_reply(r, TARGET_PORT, ours, 0, seq + 2, TH_RST, 0, NULL, 0);
	CHECK(validate(r, n) == PACKET_INVALID, "RST acking seq+2");
	n = make_reply(r, 8080, ours, 7, seq + 1, TH_SYN | TH_ACK, 100, NULL,
		       0);
	CHECK(validate(r, n) == PACKET_INVALID, "from a port not scanned");
	n = make_reply(r, TARGET_PORT, not_ours, 7, seq + 1, TH_SYN | TH_ACK,
		       100, NULL, 0);
	CHECK(validate(r, n) == PACKET_INVALID, "to another source port");
	n = make_reply(r, TARGET_PORT, ours, 7, seq + 1, TH_SYN | TH_ACK, 100,
		       NULL, 0);
	CHECK(validate(r, ETHER_LEN + 20 + 19) == PACKET_INVALID,
	      "TCP header cut short");
	memcpy(r + ETHER_LEN + 12, &outside_ip, 4);
	CHECK(validate(r, n) == PACKET_INVALID, "from a blocked address");

	double_conf.validate_source_port_override =
	    VALIDATE_SRC_PORT_DISABLE_OVERRIDE;
	mod->close(&double_conf, NULL, NULL);
	mod->global_initialize(&double_conf);
	/* A reply from a port the scan does not probe, that otherwise
	 * matches (ZMap derives the validation words from the reply). */
	uint32_t v8080[4];
	validate_gen(scanner_ip, target_ip, htons(8080), (uint8_t *)v8080);
	n = make_reply(r, 8080, get_src_port(PORT_LAST - PORT_FIRST + 1, 0,
					     v8080),
		       7, ntohl(v8080[0]) + 1, TH_SYN | TH_ACK, 100, NULL, 0);
	CHECK(validate(r, n) == PACKET_VALID,
	      "any source port when its validation is disabled");
	double_conf.validate_source_port_override =
	    VALIDATE_SRC_PORT_UNSET_OVERRIDE;
	mod->close(&double_conf, NULL, NULL);
	mod->global_initialize(&double_conf);
	CHECK(validate(r, n) == PACKET_INVALID,
	      "source port validated by default");
	start_scan("version=1");
	mod->prepare_packet(probe, src_mac, gw_mac, NULL);
	probe_len = send_probe(probe, target_ip, 0);

	const uint8_t *probe_ip = probe + ETHER_LEN;
	n = make_icmp(r, ICMP_UNREACH, ICMP_UNREACH_HOST, probe_ip, 28);
	CHECK(validate(r, n) == PACKET_VALID, "unreachable, 8-byte quote");
	n = make_icmp(r, ICMP_TIMXCEED, 0, probe_ip, probe_len - ETHER_LEN);
	CHECK(validate(r, n) == PACKET_VALID, "time exceeded, whole quote");
	n = make_icmp(r, ICMP_UNREACH, ICMP_UNREACH_HOST, probe_ip, 27);
	CHECK(validate(r, n) == PACKET_INVALID, "quote without sequence");
	n = make_icmp(r, ICMP_ECHOREPLY, 0, probe_ip, 28);
	CHECK(validate(r, n) == PACKET_INVALID, "echo reply");
	uint8_t other[MAX_PACKET_SIZE];
	memcpy(other, probe, probe_len);
	other[ETHER_LEN + 20 + 7] ^= 1;
	n = make_icmp(r, ICMP_UNREACH, ICMP_UNREACH_HOST, other + ETHER_LEN,
		      28);
	CHECK(validate(r, n) == PACKET_INVALID, "quote of another sequence");
	memcpy(other, probe, probe_len);
	put16(other + ETHER_LEN + 20, not_ours);
	n = make_icmp(r, ICMP_UNREACH, ICMP_UNREACH_HOST, other + ETHER_LEN,
		      28);
	CHECK(validate(r, n) == PACKET_INVALID, "quote of another port");
	memcpy(other, probe, probe_len);
	other[ETHER_LEN + 9] = IPPROTO_UDP;
	n = make_icmp(r, ICMP_UNREACH, ICMP_UNREACH_HOST, other + ETHER_LEN,
		      28);
	CHECK(validate(r, n) == PACKET_INVALID, "quote of a UDP packet");

	frame_ip(r, IPPROTO_UDP, target_ip, scanner_ip, 8, 64);
	memset(r + ETHER_LEN + 20, 0, 8);
	CHECK(validate(r, ETHER_LEN + 28) == PACKET_INVALID, "UDP");
}

/* Runs process_packet and checks it reported every field, in order. */
static void process(const uint8_t *frame, size_t len, fieldset_t *fs)
{
	const struct ip *ip = (const struct ip *)(frame + ETHER_LEN);
	uint16_t port = 0;
	if (ip->ip_p == IPPROTO_TCP) {
		memcpy(&port, frame + ETHER_LEN + 4 * ip->ip_hl, 2);
	}
	uint32_t validation[4];
	validate_gen(ip->ip_dst.s_addr, ip->ip_src.s_addr, port,
		     (uint8_t *)validation);
	CHECK(validate(frame, len) == PACKET_VALID, "reply validates");
	struct timespec ts = {0, 0};
	fieldset_reset(fs);
	mod->process_packet(frame, (uint32_t)len, fs, validation, ts);
	CHECK(fs->len == mod->numfields, "%d fields, want %d", fs->len,
	      mod->numfields);
	for (int i = 0; i < fs->len && i < mod->numfields; i++) {
		CHECK(!strcmp(fs->fields[i].name, mod->fields[i].name),
		      "field %d is %s, want %s", i, fs->fields[i].name,
		      mod->fields[i].name);
		const char *type = mod->fields[i].type;
		enum recorded_type got = fs->fields[i].type;
		CHECK(got == REC_NULL ||
			  (got == REC_STRING && !strcmp(type, "string")) ||
			  (got == REC_UINT64 && !strcmp(type, "int")) ||
			  (got == REC_BOOL && !strcmp(type, "bool")),
		      "field %s has the type of another", fs->fields[i].name);
	}
}

static void expect_null(const fieldset_t *fs, const char *name)
{
	const struct recorded_field *f = fieldset_get(fs, name);
	CHECK(f && f->type == REC_NULL, "%s should be null", name);
}

static void expect_num(const fieldset_t *fs, const char *name, uint64_t v)
{
	const struct recorded_field *f = fieldset_get(fs, name);
	CHECK(f && (f->type == REC_UINT64 || f->type == REC_BOOL) &&
		  f->num == v,
	      "%s = %" PRIu64 ", want %" PRIu64, name, f ? f->num : 0, v);
}

static void expect_str(const fieldset_t *fs, const char *name, const char *v)
{
	const struct recorded_field *f = fieldset_get(fs, name);
	CHECK(f && f->type == REC_STRING && !strcmp(f->str, v),
	      "%s = \"%s\", want \"%s\"", name,
	      f && f->str ? f->str : "(none)", v);
}

static void expect_contains(const fieldset_t *fs, const char *name,
			    const char *part)
{
	const struct recorded_field *f = fieldset_get(fs, name);
	CHECK(f && f->type == REC_STRING && strstr(f->str, part),
	      "%s = \"%s\" lacks \"%s\"", name,
	      f && f->str ? f->str : "(none)", part);
}

static void test_process_v1(fieldset_t *fs)
{
	start_scan("version=1");
	uint8_t probe[MAX_PACKET_SIZE];
	mod->prepare_packet(probe, src_mac, gw_mac, NULL);
	send_probe(probe, target_ip, 0);
	/* The reply echoes the probe's TSval, which the library chose. */
	struct mptcpscan_probe_spec spec;
	mptcpscan_probe_spec_default(1, 0, MPTCPSCAN_COMPANIONS_LINUX, &spec);
	CHECK(spec.tsval == 0x6d707463, "the fixture's TSecr is 0x%08x",
	      spec.tsval);
	uint8_t r[256];
	size_t n = make_reply(r, TARGET_PORT, probe_port(target_ip, 0),
			      0x5a5a0000, probe_seq(target_ip) + 1,
			      TH_SYN | TH_ACK, 65160, lab_linux_v1,
			      sizeof(lab_linux_v1));
	process(r, n, fs);
	expect_num(fs, "sport", TARGET_PORT);
	expect_num(fs, "dport", probe_port(target_ip, 0));
	expect_num(fs, "seqnum", 0x5a5a0000);
	expect_num(fs, "acknum", probe_seq(target_ip) + 1);
	expect_num(fs, "window", 65160);
	expect_str(fs, "classification", "synack");
	expect_num(fs, "success", 1);
	expect_num(fs, "mptcp_probe_version", 1);
	expect_num(fs, "mptcp_version", 1);
	expect_str(fs, "mptcpkey", "1c62e3daf29b9784");
	/* SHA-256 of the key, most significant 32 bits (Python hashlib). */
	expect_num(fs, "mptcp_token", 0xf40a2093);
	expect_str(fs, "mptcp_verdict", "mptcp-v1");
	expect_str(fs, "mptcp_signals", "");
	expect_num(fs, "mptcp_key_hamming", 33);
	expect_str(fs, "optionshex", "020405b40402080af57b47246d707463010303"
				     "0a1e0c01011c62e3daf29b9784");
	expect_str(fs, "optionstext",
		   "MSS:1460 SACKPERM TS:4118497060/1836086371 NOP WS:10 "
		   "MPCAPABLE:v1:flags=01:key=1c62e3daf29b9784");
	expect_null(fs, "icmp_responder");
	expect_null(fs, "icmp_unreach_str");

	/* The same reply padded to Ethernet's minimum and beyond. */
	uint8_t padded[300];
	memcpy(padded, r, n);
	memset(padded + n, 0, 20);
	process(padded, n + 20, fs);
	expect_str(fs, "mptcp_verdict", "mptcp-v1");
}

static void study2021_scan(uint8_t *probe)
{
	start_scan("version=0,key=0c0c0c0c0c0c0c0c,options=study2021");
	mod->prepare_packet(probe, src_mac, gw_mac, NULL);
	send_probe(probe, target_ip, 0);
}

static size_t study2021_reply(uint8_t *r, const uint8_t *options,
			      size_t options_len)
{
	return make_reply(r, TARGET_PORT, probe_port(target_ip, 0), 99,
			  probe_seq(target_ip) + 1, TH_SYN | TH_ACK, 28960,
			  options, options_len);
}

static void test_process_thesis_rows(fieldset_t *fs)
{
	uint8_t probe[MAX_PACKET_SIZE], r[256];
	study2021_scan(probe);

	size_t n = study2021_reply(r, thesis_v0_server,
				   sizeof(thesis_v0_server));
	process(r, n, fs);
	expect_str(fs, "classification", "synack");
	expect_num(fs, "success", 1);
	expect_num(fs, "mptcp_probe_version", 0);
	expect_num(fs, "mptcp_version", 0);
	expect_str(fs, "mptcpkey", "d20fa49300bda23d");
	/* SHA-1 of the key, most significant 32 bits (Python hashlib). */
	expect_num(fs, "mptcp_token", 0xfad66fed);
	expect_str(fs, "mptcp_verdict", "mptcp-v0");
	expect_num(fs, "mptcp_key_hamming", 29);
	expect_str(fs, "optionshex", "020405ac0402080a2619f9d30f0f0f0103030"
				     "61e0c0081d20fa49300bda23d00");
	expect_str(fs, "optionstext",
		   "MSS:1452 SACKPERM TS:639236563/252645121 WS:6 "
		   "MPCAPABLE:v0:flags=81:key=d20fa49300bda23d EOL");

	n = study2021_reply(r, thesis_no_mptcp, sizeof(thesis_no_mptcp));
	process(r, n, fs);
	expect_str(fs, "mptcp_verdict", "no-mp-capable");
	expect_null(fs, "mptcp_version");
	expect_null(fs, "mptcpkey");
	expect_null(fs, "mptcp_token");
	expect_null(fs, "mptcp_key_hamming");
	expect_str(fs, "optionstext",
		   "MSS:1460 SACKPERM TS:55916020/252645121 WS:7 EOL");
}

static void test_process_mirror(fieldset_t *fs)
{
	uint8_t probe[MAX_PACKET_SIZE], r[256];
	study2021_scan(probe);
	/* A middlebox answering with our own option block. */
	size_t n = study2021_reply(r, study2021_v0, sizeof(study2021_v0));
	process(r, n, fs);
	expect_str(fs, "classification", "synack");
	expect_num(fs, "success", 1);
	expect_str(fs, "mptcp_verdict", "mirrored");
	expect_str(fs, "mptcpkey", "0c0c0c0c0c0c0c0c");
	expect_num(fs, "mptcp_key_hamming", 16);
	expect_contains(fs, "mptcp_signals", "key-echoed");

	/* The lab's thesis-style mirror. */
	n = study2021_reply(r, lab_thesis_mirror, sizeof(lab_thesis_mirror));
	process(r, n, fs);
	expect_str(fs, "mptcp_verdict", "mirrored");
	expect_str(fs, "mptcp_signals", "key-echoed,mp-capable-echoed,"
					 "layout-echoed,mss-echoed");
	expect_str(fs, "optionstext",
		   "MSS:1 SACKPERM NOP NOP NOP NOP NOP NOP NOP NOP NOP NOP NOP "
		   "NOP NOP NOP MPCAPABLE:v0:flags=81:key=0c0c0c0c0c0c0c0c");

	/* The same key, everything else a server's. */
	uint8_t options[sizeof(thesis_v0_server)];
	memcpy(options, thesis_v0_server, sizeof(options));
	memset(options + 23, 0x0c, 8);
	n = study2021_reply(r, options, sizeof(options));
	process(r, n, fs);
	expect_str(fs, "mptcp_verdict", "mirrored");
	expect_contains(fs, "mptcp_signals", "key-echoed");
}

static void test_process_rst(fieldset_t *fs)
{
	start_scan("version=1");
	uint8_t r[256];
	size_t n = make_reply(r, TARGET_PORT, probe_port(target_ip, 0), 0,
			      probe_seq(target_ip) + 1, TH_RST | TH_ACK, 0,
			      NULL, 0);
	process(r, n, fs);
	expect_num(fs, "sport", TARGET_PORT);
	expect_num(fs, "window", 0);
	expect_str(fs, "classification", "rst");
	expect_num(fs, "success", 0);
	expect_num(fs, "mptcp_probe_version", 1);
	expect_null(fs, "mptcp_version");
	expect_null(fs, "mptcpkey");
	expect_str(fs, "mptcp_verdict", "rst");
	expect_str(fs, "mptcp_signals", "");
	expect_str(fs, "optionshex", "");
	expect_str(fs, "optionstext", "");
	expect_null(fs, "icmp_type");
}

static void test_process_icmp(fieldset_t *fs)
{
	double_scan.probes_per_target = 2;
	start_scan("version=both");
	uint8_t probe[MAX_PACKET_SIZE], r[256];
	mod->prepare_packet(probe, src_mac, gw_mac, NULL);
	size_t len = send_probe(probe, target_ip, 1);
	size_t n = make_icmp(r, ICMP_UNREACH, ICMP_UNREACH_HOST,
			     probe + ETHER_LEN, len - ETHER_LEN);
	process(r, n, fs);
	expect_null(fs, "sport");
	expect_null(fs, "window");
	expect_str(fs, "classification", "icmp");
	expect_num(fs, "success", 0);
	expect_num(fs, "mptcp_probe_version", 0);
	expect_null(fs, "mptcp_verdict");
	expect_null(fs, "optionshex");
	expect_str(fs, "icmp_responder", "198.18.0.1");
	expect_num(fs, "icmp_type", ICMP_UNREACH);
	expect_num(fs, "icmp_code", ICMP_UNREACH_HOST);

	len = send_probe(probe, target_ip, 0);
	n = make_icmp(r, ICMP_TIMXCEED, 0, probe + ETHER_LEN, 28);
	process(r, n, fs);
	expect_num(fs, "mptcp_probe_version", 1);
	expect_num(fs, "icmp_type", ICMP_TIMXCEED);
	double_scan.probes_per_target = 1;
}

static void test_process_both(fieldset_t *fs)
{
	double_scan.probes_per_target = 2;
	start_scan("version=both");
	uint8_t r[256];
	/* Upstream Linux: a plain SYN-ACK to v0, MP_CAPABLE v1 to v1. */
	static const uint8_t plain[] = {0x02, 0x04, 0x05, 0xb4};
	size_t n = make_reply(r, TARGET_PORT, probe_port(target_ip, 1), 5,
			      probe_seq(target_ip) + 1, TH_SYN | TH_ACK, 1000,
			      plain, sizeof(plain));
	process(r, n, fs);
	expect_num(fs, "mptcp_probe_version", 0);
	expect_str(fs, "mptcp_verdict", "no-mp-capable");
	static const uint8_t v1[] = {0x1e, 0x0c, 0x01, 0x01, 0xa1, 0xb2,
				     0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18};
	n = make_reply(r, TARGET_PORT, probe_port(target_ip, 0), 5,
		       probe_seq(target_ip) + 1, TH_SYN | TH_ACK, 1000, v1,
		       sizeof(v1));
	process(r, n, fs);
	expect_num(fs, "mptcp_probe_version", 1);
	expect_str(fs, "mptcp_verdict", "mptcp-v1");
	expect_str(fs, "mptcpkey", "a1b2c3d4e5f60718");
	double_scan.probes_per_target = 1;
}

static void test_process_malformed(fieldset_t *fs)
{
	start_scan("version=1");
	uint8_t r[256];
	/* MSS, then an option whose length runs past the area. */
	static const uint8_t bad[] = {0x02, 0x04, 0x05, 0xb4,
				      0x1e, 0x10, 0x01, 0x01};
	size_t n = make_reply(r, TARGET_PORT, probe_port(target_ip, 0), 5,
			      probe_seq(target_ip) + 1, TH_SYN | TH_ACK, 1000,
			      bad, sizeof(bad));
	process(r, n, fs);
	expect_str(fs, "classification", "synack");
	expect_str(fs, "mptcp_verdict", "malformed");
	expect_null(fs, "mptcpkey");
	expect_str(fs, "optionshex", "020405b41e100101");
	expect_str(fs, "optionstext", "MSS:1460 MALFORMED@4");

	/* An MP_CAPABLE of a length no version defines. */
	static const uint8_t odd[] = {0x1e, 0x07, 0x01, 0x01, 0xaa, 0xbb, 0xcc,
				      0x00};
	n = make_reply(r, TARGET_PORT, probe_port(target_ip, 0), 5,
		       probe_seq(target_ip) + 1, TH_SYN | TH_ACK, 1000, odd,
		       sizeof(odd));
	process(r, n, fs);
	expect_str(fs, "mptcp_verdict", "malformed");
	expect_str(fs, "optionstext", "MPTCP:1e070101aabbcc EOL");

	/* A capture cut inside the options: fields still all there. */
	n = make_reply(r, TARGET_PORT, probe_port(target_ip, 0), 5,
		       probe_seq(target_ip) + 1, TH_SYN | TH_ACK, 1000,
		       thesis_v0_server, sizeof(thesis_v0_server));
	process(r, n - 10, fs);
	expect_str(fs, "classification", "synack");
	expect_null(fs, "mptcp_verdict");
	expect_str(fs, "optionstext",
		   "MSS:1452 SACKPERM TS:639236563/252645121 WS:6 MALFORMED@19");
}

/* Bad --probe-args end the scan with a message, as ZMap's log_fatal does. */
static void test_bad_args(void)
{
	static const char *const bad[] = {
	    "version=2",	  "key=123",	      "key=0c0c0c0c0c0c0c0g",
	    "options=solaris",	  "options=hex:123",  "options=hex:1e0401",
	    "colour=blue",	  "version",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			if (!freopen("/dev/null", "w", stderr)) {
				_exit(3);
			}
			double_conf.probe_args = (char *)bad[i];
			mod->global_initialize(&double_conf);
			_exit(0);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2,
		      "probe-args \"%s\" accepted", bad[i]);
	}
}

/* version=both tells replies apart by source port: one port cannot. */
static void test_both_needs_two_ports(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr)) {
			_exit(3);
		}
		mod->close(&double_conf, NULL, NULL);
		double_conf.source_port_last = double_conf.source_port_first;
		double_conf.probe_args = (char *)"version=both";
		mod->global_initialize(&double_conf);
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2,
	      "version=both with one source port accepted");
}

static void test_random_key(void)
{
	uint8_t frame[MAX_PACKET_SIZE];
	uint64_t keys[2];
	for (int i = 0; i < 2; i++) {
		start_scan("version=0,options=minimal");
		mod->prepare_packet(frame, src_mac, gw_mac, NULL);
		send_probe(frame, target_ip, 0);
		const uint8_t *key = frame + ETHER_LEN + 40 + 4;
		keys[i] = 0;
		for (int b = 0; b < 8; b++) {
			keys[i] = keys[i] << 8 | key[b];
		}
	}
	CHECK(keys[0] != keys[1] && keys[0] != 0x0c0c0c0c0c0c0c0cULL,
	      "v0 keys drawn per scan");
}

/* ---- the IPv6 module (TUM's fork) ---- */

static struct in6_addr scanner6, target6, router6;

static void start_scan6(const char *probe_args)
{
	mod6->close(&double_conf, NULL, NULL);
	double_conf.source_port_first = PORT_FIRST;
	double_conf.source_port_last = PORT_LAST;
	double_conf.validate_source_port_override =
	    VALIDATE_SRC_PORT_UNSET_OVERRIDE;
	double_conf.probes_per_target = double_scan.probes_per_target;
	double_conf.probe_args = (char *)probe_args;
	double_conf.ipv6_source_ip = (char *)"2001:db8::3";
	double_conf.ipv6_target_filename = (char *)"targets.txt";
	CHECK(mod6->global_initialize(&double_conf) == EXIT_SUCCESS,
	      "IPv6 global_initialize(%s)", probe_args ? probe_args : "NULL");
}

/* What the fork's sender derives for a target (send.c). */
static void target_validation6(uint32_t validation[4],
			       const struct in6_addr *dst)
{
	validate_gen_ipv6(&scanner6, dst, htons(TARGET_PORT),
			  (uint8_t *)validation);
}

static size_t send_probe6(uint8_t *frame, const struct in6_addr *dst,
			  int probe_num)
{
	uint32_t validation[4];
	target_validation6(validation, dst);
	/* The fork passes both addresses through arg, IPv4 placeholders. */
	struct in6_addr addresses[2] = {scanner6, *dst};
	size_t len = 0;
	CHECK(mod6->make_packet(frame, &len, 0, 0, htons(TARGET_PORT), 64,
				validation, probe_num, 0,
				addresses) == EXIT_SUCCESS,
	      "IPv6 make_packet");
	return len;
}

/* Whether the TCP checksum of an IPv6 packet verifies (RFC 8200 8.1). */
static int checksum6_verify(const uint8_t *ip6, size_t len)
{
	uint32_t sum = sum_bytes(ip6 + 8, 32) + (uint32_t)(len - 40) +
		       IPPROTO_TCP;
	return fold(sum + sum_bytes(ip6 + 40, len - 40)) == 0xffff;
}

static void check_probe6(const uint8_t *frame, size_t len,
			 const struct in6_addr *dst, int probe_num,
			 uint32_t version, const uint8_t *options,
			 size_t options_len)
{
	const uint8_t *ip6 = frame + ETHER_LEN;
	const uint8_t *tcp = ip6 + 40;
	CHECK(len == ETHER_LEN + 60 + options_len, "IPv6 probe length %zu",
	      len);
	CHECK(!memcmp(frame, gw_mac, 6) && !memcmp(frame + 6, src_mac, 6) &&
		  frame[12] == 0x86 && frame[13] == 0xdd,
	      "IPv6 Ethernet header");
	CHECK(ip6[0] >> 4 == 6 && ip6[6] == IPPROTO_TCP && ip6[7] == 64,
	      "IPv6 version, next header, hop limit");
	CHECK((size_t)(ip6[4] << 8 | ip6[5]) == len - ETHER_LEN - 40,
	      "IPv6 payload length");
	CHECK(!memcmp(ip6 + 8, &scanner6, 16) && !memcmp(ip6 + 24, dst, 16),
	      "IPv6 addresses");
	uint32_t validation[4];
	target_validation6(validation, dst);
	uint16_t sport = (uint16_t)(tcp[0] << 8 | tcp[1]);
	uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 |
		       (uint32_t)tcp[6] << 8 | tcp[7];
	CHECK(sport == get_src_port(PORT_LAST - PORT_FIRST + 1, probe_num,
				    validation),
	      "IPv6 source port %u", sport);
	CHECK((tcp[2] << 8 | tcp[3]) == TARGET_PORT, "IPv6 destination port");
	CHECK(seq == ntohl(validation[0]), "IPv6 sequence number");
	CHECK(tcp[13] == TH_SYN, "IPv6 flags 0x%02x", tcp[13]);
	CHECK(checksum6_verify(ip6, len - ETHER_LEN), "IPv6 TCP checksum");
	CHECK(!memcmp(tcp + 20, options, options_len), "IPv6 option bytes");

	pcap_write(frame, len);
	/* No IPv4 header checksum to report for IPv6. */
	fprintf(expected, "\t1\t%u\t0x0002\t%u\t", sport, (unsigned)version);
	if (version == 0) {
		fprintf(expected, "%" PRIu64, UINT64_C(0x0c0c0c0c0c0c0c0c));
	}
	fprintf(expected, "\n");
}

/* version=both over IPv6: the same templates, written for the fork. */
static void test_probes6(void)
{
	double_scan.probes_per_target = 2;
	start_scan6("version=both,key=0c0c0c0c0c0c0c0c");
	CHECK(!strcmp(mod6->pcap_filter,
		      "((ip6 && tcp && (ip6[53] == 18 || ip6[53] & 4 != 0)) || "
		      "(icmp6 && ip6[40] >= 1 && ip6[40] <= 4)) && ip6 dst "
		      "host 2001:db8::3"),
	      "IPv6 filter: %s", mod6->pcap_filter);
	uint8_t v1[MPTCPSCAN_MAX_OPTIONS_LEN], v0[MPTCPSCAN_MAX_OPTIONS_LEN];
	size_t v1_len, v0_len;
	options_of(1, 0, MPTCPSCAN_COMPANIONS_LINUX, v1, &v1_len);
	options_of(0, 0x0c0c0c0c0c0c0c0cULL, MPTCPSCAN_COMPANIONS_LINUX, v0,
		   &v0_len);
	uint8_t frame[MAX_PACKET_SIZE];
	CHECK(mod6->prepare_packet(frame, src_mac, gw_mac, NULL) ==
		  EXIT_SUCCESS,
	      "IPv6 prepare_packet");
	static const int order[] = {0, 1, 1, 0, 3};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		size_t len = send_probe6(frame, &target6, order[i]);
		CHECK(mod6->max_packet_length >= len, "max_packet_length");
		if (order[i] % 2) {
			check_probe6(frame, len, &target6, order[i], 0, v0,
				     v0_len);
		} else {
			check_probe6(frame, len, &target6, order[i], 1, v1,
				     v1_len);
		}
	}
	double_scan.probes_per_target = 1;
}

/* The fork needs its two IPv6 settings; without them the module refuses. */
static void test_ipv6_needs_settings(void)
{
	static const char *const sources[] = {NULL, "198.18.0.3", "2001:db8::3"};
	static const char *const files[] = {"targets.txt", "targets.txt", NULL};
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			if (!freopen("/dev/null", "w", stderr)) {
				_exit(3);
			}
			double_conf.probe_args = NULL;
			double_conf.ipv6_source_ip = (char *)sources[i];
			double_conf.ipv6_target_filename = (char *)files[i];
			mod6->global_initialize(&double_conf);
			_exit(0);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2,
		      "IPv6 settings case %zu accepted", i);
	}
}

static int validate6(const uint8_t *frame, size_t len)
{
	const struct ip6_hdr *ip6 = (const struct ip6_hdr *)(frame + ETHER_LEN);
	/* The fork's receiver: words from the reply's two addresses. */
	uint32_t validation[4];
	validate_gen_ipv6(&ip6->ip6_dst, &ip6->ip6_src, 0,
			  (uint8_t *)validation);
	uint32_t unset = 0;
	return mod6->validate_packet((const struct ip *)ip6,
				     (uint32_t)(len - ETHER_LEN), &unset,
				     validation, NULL);
}

/* An IPv6 frame from src to the scanner with next header nh. */
static uint8_t *frame_ip6(uint8_t *frame, uint8_t nh,
			  const struct in6_addr *src, size_t payload_len)
{
	memset(frame, 0, ETHER_LEN + 40);
	memcpy(frame, src_mac, 6);
	memcpy(frame + 6, gw_mac, 6);
	frame[12] = 0x86;
	frame[13] = 0xdd;
	uint8_t *ip6 = frame + ETHER_LEN;
	ip6[0] = 0x60;
	put16(ip6 + 4, (uint16_t)payload_len);
	ip6[6] = nh;
	ip6[7] = 60;
	memcpy(ip6 + 8, src, 16);
	memcpy(ip6 + 24, &scanner6, 16);
	return ip6;
}

static void test_validation6(void)
{
	start_scan6("version=1");
	uint8_t probe[MAX_PACKET_SIZE];
	mod6->prepare_packet(probe, src_mac, gw_mac, NULL);
	size_t probe_len = send_probe6(probe, &target6, 0);
	const uint8_t *sent_tcp = probe + ETHER_LEN + 40;
	uint32_t seq = (uint32_t)sent_tcp[4] << 24 |
		       (uint32_t)sent_tcp[5] << 16 |
		       (uint32_t)sent_tcp[6] << 8 | sent_tcp[7];
	uint16_t ours = (uint16_t)(sent_tcp[0] << 8 | sent_tcp[1]);

	uint8_t r[512];
	for (int ack_delta = 0; ack_delta <= 2; ack_delta++) {
		uint8_t *ip6 = frame_ip6(r, IPPROTO_TCP, &target6, 20);
		uint8_t *tcp = ip6 + 40;
		memset(tcp, 0, 20);
		put16(tcp, TARGET_PORT);
		put16(tcp + 2, ours);
		put32(tcp + 8, seq + (uint32_t)ack_delta);
		tcp[12] = 5 << 4;
		tcp[13] = TH_SYN | TH_ACK;
		CHECK(validate6(r, ETHER_LEN + 60) ==
			  (ack_delta == 1 ? PACKET_VALID : PACKET_INVALID),
		      "IPv6 SYN-ACK acking seq+%d", ack_delta);
		CHECK(validate6(r, ETHER_LEN + 59) == PACKET_INVALID,
		      "IPv6 TCP header cut short");
	}

	/* ICMPv6 time exceeded from a router, quoting the whole probe. */
	size_t quote_len = probe_len - ETHER_LEN;
	uint8_t *ip6 = frame_ip6(r, IPPROTO_ICMPV6, &router6, 8 + quote_len);
	uint8_t *icmp6 = ip6 + 40;
	memset(icmp6, 0, 8);
	icmp6[0] = 3;
	memcpy(icmp6 + 8, probe + ETHER_LEN, quote_len);
	uint32_t sum = sum_bytes(ip6 + 8, 32) + (uint32_t)(8 + quote_len) +
		       IPPROTO_ICMPV6;
	put16(icmp6 + 2, (uint16_t)~fold(sum + sum_bytes(icmp6, 8 + quote_len)));
	size_t n = ETHER_LEN + 48 + quote_len;
	CHECK(validate6(r, n) == PACKET_VALID, "ICMPv6 time exceeded");
	CHECK(validate6(r, ETHER_LEN + 48 + 47) == PACKET_INVALID,
	      "ICMPv6 quote without the sequence number");
	icmp6[8 + 40 + 7] ^= 1;
	CHECK(validate6(r, n) == PACKET_INVALID,
	      "ICMPv6 quote of another sequence number");
	icmp6[8 + 40 + 7] ^= 1;
	icmp6[0] = 129;
	CHECK(validate6(r, n) == PACKET_INVALID, "ICMPv6 echo reply");
}

static uint8_t unhex_digit(char c)
{
	return (uint8_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
}

/* Decodes the hex word at *line into out (at most cap bytes); returns its
 * length in bytes and moves *line past it and one space. */
static size_t unhex(const char **line, uint8_t *out, size_t cap)
{
	size_t n = 0;
	const char *p = *line;
	while (p[0] && p[0] != ' ' && p[0] != '\n' && p[1] && n < cap) {
		out[n++] = (uint8_t)(unhex_digit(p[0]) << 4 | unhex_digit(p[1]));
		p += 2;
	}
	*line = *p == ' ' ? p + 1 : p;
	return n;
}

/* The fieldset as ZMap's CSV output module writes it. */
static void csv_line(const fieldset_t *fs, char *out, size_t size)
{
	size_t used = 0;
	for (int i = 0; i < fs->len && used < size; i++) {
		const struct recorded_field *f = &fs->fields[i];
		const char *sep = i ? "," : "";
		int n = 0;
		if (f->type == REC_STRING) {
			n = snprintf(out + used, size - used,
				     strchr(f->str, ',') ? "%s\"%s\"" : "%s%s",
				     sep, f->str);
		} else if (f->type == REC_UINT64 || f->type == REC_BOOL) {
			n = snprintf(out + used, size - used, "%s%" PRIu64, sep,
				     f->num);
		} else {
			n = snprintf(out + used, size - used, "%s", sep);
		}
		used += n > 0 ? (size_t)n : 0;
	}
}

/*
 * Replays what the fork handed the module in the lab (fixtures/tumi8-ipv6):
 * each frame with the validation words recv.c computed goes through
 * validate_packet, and each valid one through process_packet, whose fields
 * must print as the fork's CSV line for it did, in order. The recorded
 * validate_gen_ipv6 results stand in for the fork's AES.
 */
static void replay_fork(const char *dir, const char *name, fieldset_t *fs)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.rec", dir, name);
	FILE *rec = fopen(path, "r");
	snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	FILE *csv = fopen(path, "r");
	CHECK(rec && csv, "fixture %s/%s missing", dir, name);
	if (!rec || !csv) {
		if (rec) {
			fclose(rec);
		}
		if (csv) {
			fclose(csv);
		}
		return;
	}
	static char line[8192], want[4096], got[4096];
	double_clear_aes();
	while (fgets(line, sizeof(line), rec)) {
		const char *p = line + 4;
		uint8_t src[16], dst[16], out[VALIDATE_BYTES];
		if (!strncmp(line, "aes ", 4) && unhex(&p, src, 16) == 16 &&
		    unhex(&p, dst, 16) == 16 &&
		    unhex(&p, out, VALIDATE_BYTES) == VALIDATE_BYTES) {
			CHECK(double_record_aes(src, dst, out) == 0,
			      "more AES records than the double keeps");
		}
	}
	double_scan.target_ports[0] = 80;
	double_scan.probes_per_target = 2;
	start_scan6("version=both,key=0c0c0c0c0c0c0c0c");
	double_conf.source_port_first = 40000;
	double_conf.source_port_last = 40015;
	mod6->close(&double_conf, NULL, NULL);
	mod6->global_initialize(&double_conf);

	CHECK(fgets(want, sizeof(want), csv) != NULL, "CSV header");
	int frames = 0, valid = 0, rows = 0;
	rewind(rec);
	while (fgets(line, sizeof(line), rec)) {
		if (strncmp(line, "frame ", 6)) {
			continue;
		}
		const char *p = line + 6;
		uint32_t validation[16];
		uint8_t frame[4096];
		CHECK(unhex(&p, (uint8_t *)validation, VALIDATE_BYTES) ==
			  VALIDATE_BYTES,
		      "frame record");
		size_t len = unhex(&p, frame, sizeof(frame));
		frames++;
		uint32_t unset = 0;
		if (mod6->validate_packet(
			(const struct ip *)(frame + ETHER_LEN),
			(uint32_t)(len - ETHER_LEN), &unset, validation,
			NULL) != PACKET_VALID) {
			continue;
		}
		valid++;
		struct timespec ts = {0, 0};
		fieldset_reset(fs);
		mod6->process_packet(frame, (uint32_t)len, fs, validation, ts);
		csv_line(fs, got, sizeof(got));
		if (!fgets(want, sizeof(want), csv)) {
			CHECK(0, "%s: frame %d valid, the fork wrote no row", name,
			      frames);
			continue;
		}
		rows++;
		want[strcspn(want, "\n")] = '\0';
		CHECK(!strcmp(got, want), "%s frame %d:\n  module: %s\n  fork:   %s",
		      name, frames, got, want);
	}
	CHECK(!fgets(want, sizeof(want), csv), "%s: the fork wrote more rows",
	      name);
	printf("test_module: fork replay %s: %d frames, %d valid, %d rows "
	       "as the fork wrote them\n",
	       name, frames, valid, rows);
	fclose(rec);
	fclose(csv);
	double_clear_aes();
	double_scan.target_ports[0] = TARGET_PORT;
	double_scan.probes_per_target = 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s PCAP EXPECTED FIXTURES\n", argv[0]);
		return 2;
	}
	pcap = fopen(argv[1], "wb");
	expected = fopen(argv[2], "w");
	if (!pcap || !expected) {
		perror("test_module");
		return 2;
	}
	static const uint32_t pcap_header[6] = {0xa1b2c3d4, 0x00040002, 0, 0,
						65535, 1};
	fwrite(pcap_header, sizeof(pcap_header), 1, pcap);

	inet_pton(AF_INET, "198.18.0.3", &scanner_ip);
	inet_pton(AF_INET, "198.18.1.1", &target_ip);
	inet_pton(AF_INET, "198.18.0.1", &router_ip);
	inet_pton(AF_INET, "203.0.113.9", &outside_ip);
	inet_pton(AF_INET6, "2001:db8::3", &scanner6);
	inet_pton(AF_INET6, "2001:db8:1:1::1", &target6);
	inet_pton(AF_INET6, "2001:db8:0:1::2", &router6);
	inet_pton(AF_INET, "198.18.0.0", &double_scan.allowed_prefix);
	inet_pton(AF_INET, "255.254.0.0", &double_scan.allowed_mask);
	double_scan.target_ports[0] = TARGET_PORT;
	double_scan.num_target_ports = 1;
	double_scan.probes_per_target = 1;

	static fieldset_t fs;
	test_study2021_frame();
	test_probes();
	test_hex_options();
	test_both();
	test_validation();
	test_process_v1(&fs);
	test_process_thesis_rows(&fs);
	test_process_mirror(&fs);
	test_process_rst(&fs);
	test_process_icmp(&fs);
	test_process_both(&fs);
	test_process_malformed(&fs);
	test_bad_args();
	test_both_needs_two_ports();
	test_random_key();
	test_probes6();
	test_ipv6_needs_settings();
	test_validation6();
	replay_fork(argv[3], "replies", &fs);
	replay_fork(argv[3], "icmp", &fs);
	fieldset_reset(&fs);
	mod->close(&double_conf, NULL, NULL);

	fclose(pcap);
	fclose(expected);
	printf("test_module: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
