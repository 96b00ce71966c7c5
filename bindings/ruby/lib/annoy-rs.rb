# frozen_string_literal: true

# The gem's own name, which Bundler.require loads.
require_relative "annoy"
