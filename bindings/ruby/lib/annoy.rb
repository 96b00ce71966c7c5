# frozen_string_literal: true

# Approximate nearest neighbours, file-compatible with Spotify Annoy, over the libannoy C
# library (a Rust reimplementation). See Annoy::Index; Annoy::AnnoyIndex is the annoy-rb gem's
# API over it.
module Annoy
end

require_relative "annoy/version"
require_relative "annoy/errors"
require_relative "annoy/native"
require_relative "annoy/rw_lock"
require_relative "annoy/index"
require_relative "annoy/annoy_rb"
