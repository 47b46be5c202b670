#include "pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

namespace support {

namespace {

EVP_PKEY* newKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");  // fast to make, accepted everywhere
  if (!key) throw std::runtime_error("pki: cannot make a key");
  return key;
}

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("pki: bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* newCert(EVP_PKEY* key, const std::string& cn, long serial, int fromDays, int toDays) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), static_cast<long>(fromDays) * 86400);
  X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(toDays) * 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

void writePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("pki: cannot write " + path);
  bool ok = cert ? PEM_write_X509(f, cert) == 1 : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  if (!ok) throw std::runtime_error("pki: cannot write " + path);
}

}  // namespace

TestPki::TestPki(const std::string& dir, const std::string& name) : dir_(dir), caFile_(dir + "/" + name + "-ca.pem") {
  EVP_PKEY* key = newKey();
  X509* cert = newCert(key, name + " test CA", 1, -1, 30);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  addExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  addExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  addExtension(cert, cert, NID_subject_key_identifier, "hash");
  X509_sign(cert, key, EVP_sha256());
  writePem(caFile_, cert, nullptr);
  caKey_ = key;
  caCert_ = cert;
}

TestPki::~TestPki() {
  X509_free(static_cast<X509*>(caCert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(caKey_));
}

CertFiles TestPki::leaf(const std::string& file, const std::vector<std::string>& dnsNames,
                        const std::vector<std::string>& ips, int fromDays, int toDays) const {
  static long serial = 100;
  auto* ca = static_cast<X509*>(caCert_);
  EVP_PKEY* key = newKey();
  X509* cert = newCert(key, dnsNames.empty() ? "test" : dnsNames.front(), ++serial, fromDays, toDays);
  X509_set_issuer_name(cert, X509_get_subject_name(ca));
  std::string san;  // "DNS:a,DNS:b,IP:1.2.3.4"
  auto add = [&san](const char* kind, const std::string& value) {
    if (!san.empty()) san += ',';
    san += kind;
    san += value;
  };
  for (const auto& d : dnsNames) add("DNS:", d);
  for (const auto& i : ips) add("IP:", i);
  if (!san.empty()) addExtension(cert, ca, NID_subject_alt_name, san);
  addExtension(cert, ca, NID_basic_constraints, "critical,CA:FALSE");
  addExtension(cert, ca, NID_ext_key_usage, "serverAuth");
  addExtension(cert, ca, NID_authority_key_identifier, "keyid:always");
  X509_sign(cert, static_cast<EVP_PKEY*>(caKey_), EVP_sha256());
  CertFiles out{dir_ + "/" + file + ".pem", dir_ + "/" + file + ".key"};
  writePem(out.cert, cert, nullptr);
  writePem(out.key, nullptr, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace support
