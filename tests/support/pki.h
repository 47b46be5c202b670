// Throwaway certificates for TLS tests: a CA made on the spot and leaf certificates it signs,
// written as PEM files into a test's folder (OpenSSL's API, so that validity dates in the past,
// for an expired certificate, need no clock tricks). Nothing here is meant to be secure.
#pragma once

#include <string>
#include <vector>

namespace support {

struct CertFiles {
  std::string cert, key;  // PEM paths
};

class TestPki {
 public:
  // Makes a CA named `name` and writes its certificate to dir/name-ca.pem.
  TestPki(const std::string& dir, const std::string& name);
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& caFile() const { return caFile_; }
  // A server certificate for the DNS names and IP addresses given, valid from `fromDays` to
  // `toDays` days from now (negative: in the past), signed by this CA: dir/file.pem, dir/file.key.
  CertFiles leaf(const std::string& file, const std::vector<std::string>& dnsNames,
                 const std::vector<std::string>& ips, int fromDays = -1, int toDays = 30) const;

 private:
  std::string dir_, caFile_;
  void* caKey_ = nullptr;   // EVP_PKEY*
  void* caCert_ = nullptr;  // X509*
};

}  // namespace support
