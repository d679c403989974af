#pragma once
// Typed errors shared by every layer. The kind maps one-to-one onto the CLI's exit codes
// (ARCHITECTURE.md: 1 processing, 2 usage, 3 invalid input, 130 cancelled).
#include <stdexcept>
#include <string>

namespace restora {

enum class ErrorKind {
    Processing = 1,  // a step failed while working, including missing/corrupt weights
    Usage = 2,       // unknown op, bad parameter, invalid combination, unavailable device
    Input = 3,       // unreadable or invalid input image or mask
    Cancelled = 130  // the user asked to stop
};

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    [[nodiscard]] ErrorKind kind() const { return kind_; }
    [[nodiscard]] int exit_code() const { return static_cast<int>(kind_); }

  private:
    ErrorKind kind_;
};

class Cancelled : public Error {
  public:
    Cancelled() : Error(ErrorKind::Cancelled, "cancelled") {}
};

}  // namespace restora
