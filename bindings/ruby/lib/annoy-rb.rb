# frozen_string_literal: true

# annoy-rb's file name, so that `require "annoy-rb"` keeps working.
require_relative "annoy"
