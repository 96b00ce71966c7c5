# frozen_string_literal: true

module Annoy
  # Version of this gem.
  VERSION = "0.1.0"

  # The libannoy major version this gem is written against. A library with another major
  # version is refused at load time.
  LIBRARY_MAJOR = 0

  # While the major version is 0, the smallest minor version providing every function the gem
  # binds.
  LIBRARY_MIN_MINOR = 1
end
