#pragma once
// Walking a surjective-normal-forms certificate tree in tests
// (normal_form_test.cpp, checker_exact_batch_test.cpp): find a node to alter.
#include <string>

#include <nlohmann/json.hpp>

namespace wellposed::normal_form_tree {

/// The first node (depth first) of the tree with the given move, or null.
inline nlohmann::json* find_move(nlohmann::json& n, const std::string& move) {
  if (n.at("move") == move) return &n;
  for (const char* key : {"zero", "one", "child"})
    if (n.contains(key))
      if (nlohmann::json* f = find_move(n.at(key), move)) return f;
  return nullptr;
}

}  // namespace wellposed::normal_form_tree
