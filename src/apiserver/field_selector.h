// Which objects a list or watch asks for: its labelSelector and fieldSelector. Field selectors
// follow Kubernetes: terms joined by commas, operators =, == and !=, `\` escaping `,`, `=` and `\`
// in values, and only the fields the resource can be selected by (an Event by its reason or
// involvedObject, a Secret by its type, a Namespace by status.phase, anything by metadata.name).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/label_selector.h"
#include "apiserver/resources.h"
#include "util/json.h"
#include "util/result.h"

namespace wcloud::apiserver {

class FieldSelector {
 public:
  // The empty selector matches everything. A field `def` cannot be selected by is refused with
  // the real server's message, "field label not supported: <field>". Fields are translated to
  // the stored representation's (an events.k8s.io Event's regarding.name is involvedObject.name).
  static Result<FieldSelector> Parse(const ResourceDef& def, std::string_view text);

  // `stored`: the object as the store holds it.
  bool Matches(const Json& stored) const;
  bool empty() const { return terms_.empty(); }

 private:
  struct Term {
    std::string field;  // as stored
    std::string value;
    bool negate = false;
  };
  std::vector<Term> terms_;
};

class Selection {
 public:
  static Result<Selection> Parse(const ResourceDef& def, std::string_view label_selector,
                                 std::string_view field_selector);
  bool Matches(const Json& stored) const;
  bool empty() const { return labels_.empty() && fields_.empty(); }

 private:
  api::LabelSelector labels_;
  FieldSelector fields_;
};

}  // namespace wcloud::apiserver
