// Matrix products: MatMul, Gemm, and Einsum decomposed into transposes, reshapes, a broadcast
// multiply and a sum.
#include <map>

#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

LogicalResult ImportMatMul(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value a, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(1));
  return n.Out(n.MatMul(a, b));
}

LogicalResult ImportGemm(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value a, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value c, n.Input(2, /*optional=*/true));
  const bool ta = n.AttrInt("transA", 0), tb = n.AttrInt("transB", 0);
  RankedTensorType at = TypeOf(a), bt = TypeOf(b);
  if (at.getRank() != 2 || bt.getRank() != 2) return n.NodeError() << "A and B must have rank 2";
  const int64_t m = at.getDimSize(ta ? 1 : 0), cols = bt.getDimSize(tb ? 0 : 1);
  auto& bld = n.builder();
  return n.Out(n.Make<ir::GemmOp>(n.TensorType({m, cols}, at.getElementType()), a, b, c,
                                  bld.getF32FloatAttr(n.AttrFloat("alpha", 1.0f)),
                                  bld.getF32FloatAttr(n.AttrFloat("beta", 1.0f)),
                                  bld.getBoolAttr(ta), bld.getBoolAttr(tb)));
}

// Einsum labels: letters by their code; the dimensions an ellipsis stands for by 1000 + their
// position counted from the right.
using Labels = SmallVector<int>;

bool ParseTerm(llvm::StringRef term, int64_t rank, Labels* out, int64_t* ellipsis_rank) {
  out->clear();
  size_t dots = term.find("...");
  int letters = 0;
  for (char c : term)
    if (std::isalpha(static_cast<unsigned char>(c))) ++letters;
  const int64_t e = dots == llvm::StringRef::npos ? 0 : rank - letters;
  if (e < 0) return false;
  *ellipsis_rank = std::max(*ellipsis_rank, e);
  for (size_t i = 0; i < term.size(); ++i) {
    if (term.substr(i).starts_with("...")) {
      for (int64_t k = e; k > 0; --k) out->push_back(1000 + static_cast<int>(k));
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(term[i]))) {
      out->push_back(term[i]);
    } else if (term[i] != ' ') {
      return false;
    }
  }
  return static_cast<int64_t>(out->size()) == rank;
}

// Takes the diagonal of every label repeated within one operand.
mlir::FailureOr<Value> Diagonals(NodeImporter& n, Value x, Labels* labels) {
  for (;;) {
    int p = -1, q = -1;
    for (size_t i = 0; i < labels->size() && p < 0; ++i)
      for (size_t j = i + 1; j < labels->size(); ++j)
        if ((*labels)[i] == (*labels)[j]) {
          p = i;
          q = j;
          break;
        }
    if (p < 0) return x;
    RankedTensorType t = TypeOf(x);
    const int64_t size = t.getDimSize(p);
    if (t.getDimSize(q) != size) {
      n.NodeError() << "repeated label has sizes " << size << " and " << t.getDimSize(q);
      return mlir::failure();
    }
    SmallVector<int64_t> perm;
    Labels rest;
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != p && d != q) {
        perm.push_back(d);
        rest.push_back((*labels)[d]);
      }
    perm.append({p, q});
    AXLE_ASSIGN_OR_FAIL(Value tr, n.Transpose(x, perm));
    SmallVector<int64_t> flat(TypeOf(tr).getShape().drop_back(2));
    flat.push_back(size * size);
    AXLE_ASSIGN_OR_FAIL(Value f, n.Reshape(tr, flat));
    AXLE_ASSIGN_OR_FAIL(
        x, n.Slice(f, {0}, {size * size}, {static_cast<int64_t>(flat.size()) - 1}, {size + 1}));
    rest.push_back((*labels)[p]);
    *labels = rest;
  }
}

LogicalResult ImportEinsum(NodeImporter& n) {
  std::string eq = n.AttrString("equation", "");
  llvm::StringRef text(eq);
  auto [lhs, rhs] = text.split("->");
  const bool implicit = !text.contains("->");
  SmallVector<llvm::StringRef> terms;
  lhs.split(terms, ',');
  if (static_cast<int>(terms.size()) != n.num_inputs())
    return n.NodeError() << "equation '" << eq << "' has " << terms.size() << " terms for "
                         << n.num_inputs() << " inputs";
  SmallVector<Value> xs;
  SmallVector<Labels> labels(terms.size());
  int64_t ellipsis = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    AXLE_ASSIGN_OR_FAIL(Value x, n.Input(i));
    if (!ParseTerm(terms[i].trim(), TypeOf(x).getRank(), &labels[i], &ellipsis))
      return n.NodeError() << "term '" << terms[i] << "' does not match input " << i << " "
                           << TypeOf(x);
    AXLE_ASSIGN_OR_FAIL(x, Diagonals(n, x, &labels[i]));
    xs.push_back(x);
  }
  Labels out;
  if (implicit) {
    for (int64_t k = ellipsis; k > 0; --k) out.push_back(1000 + static_cast<int>(k));
    std::map<int, int> count;
    for (const Labels& l : labels)
      for (int c : l) count[c] += 1;
    for (auto [c, k] : count)
      if (c < 1000 && k == 1) out.push_back(c);
  } else {
    Labels parsed;
    llvm::StringRef r = rhs.trim();
    for (size_t i = 0; i < r.size(); ++i) {
      if (r.substr(i).starts_with("...")) {
        for (int64_t k = ellipsis; k > 0; --k) parsed.push_back(1000 + static_cast<int>(k));
        i += 2;
      } else if (std::isalpha(static_cast<unsigned char>(r[i]))) {
        parsed.push_back(r[i]);
      }
    }
    out = parsed;
  }
  // Every label: the output's first, then the summed ones.
  Labels all = out;
  for (const Labels& l : labels)
    for (int c : l)
      if (!llvm::is_contained(all, c)) all.push_back(c);
  Value product;
  for (size_t i = 0; i < xs.size(); ++i) {
    SmallVector<int64_t> perm, shape;
    for (int c : all)
      for (size_t d = 0; d < labels[i].size(); ++d)
        if (labels[i][d] == c) perm.push_back(d);
    AXLE_ASSIGN_OR_FAIL(Value t, n.Transpose(xs[i], perm));
    for (int c : all) {
      auto it = llvm::find(labels[i], c);
      shape.push_back(it == labels[i].end()
                          ? 1
                          : TypeOf(xs[i]).getDimSize(std::distance(labels[i].begin(), it)));
    }
    AXLE_ASSIGN_OR_FAIL(t, n.Reshape(t, shape));
    if (!product) {
      product = t;
    } else {
      AXLE_ASSIGN_OR_FAIL(product, n.Binary<ir::MulOp>(product, t));
    }
  }
  SmallVector<int64_t> summed;
  for (size_t d = out.size(); d < all.size(); ++d) summed.push_back(d);
  if (summed.empty()) return n.Out(product);
  return n.Out(n.Reduce<ir::ReduceSumOp>(product, summed, false));
}

}  // namespace

void RegisterLinearAlgebraOps(OpRegistry& r) {
  r.On("MatMul", 1, ImportMatMul);
  r.On("Gemm", 7, ImportGemm);
  r.On("Einsum", 12, ImportEinsum);
}

}  // namespace axle::importer
