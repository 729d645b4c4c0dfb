// The LU-architecture experiment of thesis Fig 7.1 (Ex 7.3.5), in C++.
//
// A one-hidden-layer ReLU network R(x) = W_2 relu(W_1 x + b_1) + b_2 with
// LU masks -- W_1 upper triangular (I_1 = {i <= j}), W_2 lower triangular
// (I_2 = {j <= i}), biases free -- is trained to fit y = A x, A the
// anti-diagonal identity, x ~ U([-1, 1]^d). A lies in cl(L_I) \ L_I (it has
// no LU factorization, Thm 3.1.8, but is a limit of products L U), so by
// Lemma 7.6.1 the loss can be driven to 0 only with weights of unbounded
// norm: without regularization (lambda = 0) the weight norms keep growing;
// weight decay (lambda > 0) stops the growth at the price of a larger loss.
//
// Thesis setting: d = 100, 10^5 training and 10^5 test samples, SGD with
// batch 3000, learning rate 0.1, momentum 0.9, weight decay lambda in
// {0, 1e-4, 5e-4, 1e-3}, 10 runs, epochs unspecified. Defaults here (to run
// in under a minute on two cores, Release): d = 8, 20000 + 20000 samples,
// 600 epochs (4200 SGD steps), losses evaluated every 10 epochs, one run per
// lambda; the rest as in the thesis. Change them with --d, --samples,
// --epochs, --eval-every, --seed.
//
// Loss: mean squared error over batch and outputs (PyTorch's default
// MSELoss; the thesis does not state its loss -- with the error summed over
// outputs instead, lr = 0.1 is unstable here and the ReLUs die);
// weight decay as in torch.optim.SGD: lambda * parameter is added to the
// gradient of every parameter (weights and biases); momentum buffer
// v <- 0.9 v + g, step p <- p - lr v. Masks are kept by zeroing the masked
// gradient entries (initial weights are masked too; PyTorch's default
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) initialization).
//
// Output (in the folder given as first argument): curves.csv with one row per
// (lambda, evaluated epoch): relative train/test loss (1/P) sum ||R(x_i) - y_i||^2 / ||y_i||^2,
// ||W_1||_F, ||W_2||_F and their sum; curves.svg, the three panels of Fig 7.1.
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;

struct Config {
  std::string out_dir;
  int d = 8;
  int samples = 20000;
  int epochs = 600;
  int eval_every = 10;  ///< epochs between evaluations of the losses and norms
  int batch = 3000;
  double lr = 0.1;
  double momentum = 0.9;
  unsigned seed = 1;
  std::vector<double> lambdas{0.0, 1e-4, 5e-4, 1e-3};
};

struct Row {
  double lambda;
  int epoch;
  double train, test, n1, n2;
};

// (1/P) sum_i ||R(x_i) - y_i||^2 / ||y_i||^2, samples in columns.
double relative_loss(const Mat& W1, const Vec& b1, const Mat& W2, const Vec& b2, const Mat& X, const Mat& Y) {
  const Mat H = ((W1 * X).colwise() + b1).cwiseMax(0.0);
  const Mat R = (W2 * H).colwise() + b2;
  const Vec num = (R - Y).colwise().squaredNorm();
  const Vec den = Y.colwise().squaredNorm();
  double s = 0;
  for (Eigen::Index i = 0; i < num.size(); ++i) s += num(i) / std::max(den(i), 1e-300);
  return s / static_cast<double>(num.size());
}

std::vector<Row> train(const Config& c, double lambda, const Mat& Xtr, const Mat& Ytr, const Mat& Xte, const Mat& Yte) {
  const int d = c.d;
  Mat M1 = Mat::Zero(d, d), M2 = Mat::Zero(d, d);  // I_1 = {i <= j} (upper), I_2 = {j <= i} (lower)
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) {
      if (i <= j) M1(i, j) = 1;
      if (j <= i) M2(i, j) = 1;
    }
  std::mt19937_64 g(c.seed);  // the same initialization for every lambda
  const double a = 1.0 / std::sqrt(static_cast<double>(d));
  std::uniform_real_distribution<double> u(-a, a);
  Mat W1 = Mat::NullaryExpr(d, d, [&] { return u(g); }).cwiseProduct(M1);
  Mat W2 = Mat::NullaryExpr(d, d, [&] { return u(g); }).cwiseProduct(M2);
  Vec b1 = Vec::NullaryExpr(d, [&] { return u(g); });
  Vec b2 = Vec::NullaryExpr(d, [&] { return u(g); });
  Mat V1 = Mat::Zero(d, d), V2 = Mat::Zero(d, d);
  Vec v1 = Vec::Zero(d), v2 = Vec::Zero(d);
  std::vector<Row> rows;
  const int P = static_cast<int>(Xtr.cols());
  std::vector<int> perm(static_cast<std::size_t>(P));
  for (int i = 0; i < P; ++i) perm[static_cast<std::size_t>(i)] = i;
  std::mt19937_64 shuffle(c.seed + 1000);
  Mat Xb(d, c.batch), Yb(d, c.batch);
  for (int epoch = 0; epoch <= c.epochs; ++epoch) {
    if (epoch > 0) {
      std::shuffle(perm.begin(), perm.end(), shuffle);
      for (int s = 0; s < P; s += c.batch) {
        const int B = std::min(c.batch, P - s);
        Xb.resize(d, B);
        Yb.resize(d, B);
        for (int k = 0; k < B; ++k) {
          Xb.col(k) = Xtr.col(perm[static_cast<std::size_t>(s + k)]);
          Yb.col(k) = Ytr.col(perm[static_cast<std::size_t>(s + k)]);
        }
        const Mat Z = (W1 * Xb).colwise() + b1;
        const Mat H = Z.cwiseMax(0.0);
        const Mat R = (W2 * H).colwise() + b2;
        const Mat G = (R - Yb) * (2.0 / (static_cast<double>(B) * d));  // d(MSE)/dR
        const Mat gW2 = (G * H.transpose()).cwiseProduct(M2) + lambda * W2;
        const Vec gb2 = G.rowwise().sum() + lambda * b2;
        const Mat GZ = (W2.transpose() * G).cwiseProduct((Z.array() > 0.0).cast<double>().matrix());
        const Mat gW1 = (GZ * Xb.transpose()).cwiseProduct(M1) + lambda * W1;
        const Vec gb1 = GZ.rowwise().sum() + lambda * b1;
        V1 = c.momentum * V1 + gW1;
        V2 = c.momentum * V2 + gW2;
        v1 = c.momentum * v1 + gb1;
        v2 = c.momentum * v2 + gb2;
        W1 -= c.lr * V1;
        W2 -= c.lr * V2;
        b1 -= c.lr * v1;
        b2 -= c.lr * v2;
      }
    }
    if (epoch % c.eval_every == 0 || epoch == c.epochs)
      rows.push_back({lambda, epoch, relative_loss(W1, b1, W2, b2, Xtr, Ytr), relative_loss(W1, b1, W2, b2, Xte, Yte),
                      W1.norm(), W2.norm()});
  }
  return rows;
}

// --- the picture: three panels as in Fig 7.1 --------------------------------

std::string polyline(const std::vector<Row>& rows, double lambda, int which, double x0, double y0, double w, double h,
                     int epochs, double lo, double hi, bool logy) {
  std::ostringstream o;
  o << "<polyline fill=\"none\" stroke-width=\"1.5\" points=\"";
  for (const auto& r : rows) {
    if (r.lambda != lambda) continue;
    double v = which == 0 ? r.train : which == 1 ? r.test : r.n1 + r.n2;
    if (logy) v = std::log10(std::max(v, 1e-300));
    const double x = x0 + w * r.epoch / std::max(1, epochs);
    const double y = y0 + h - h * (v - lo) / std::max(hi - lo, 1e-12);
    o << x << "," << y << " ";
  }
  o << "\"";
  return o.str();
}

std::string svg(const std::vector<Row>& rows, const Config& c) {
  const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd"};
  const char* titles[] = {"relative train loss (log10)", "relative test loss (log10)", "||W1||_F + ||W2||_F"};
  std::ostringstream o;
  const double W = 330, H = 240, pad = 50;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << 3 * (W + pad) + pad << "\" height=\"" << H + 2 * pad + 30
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<text x=\"" << pad << "\" y=\"18\" font-size=\"13\">LU-mask one-hidden-layer ReLU net fitting y = A x (A anti-diagonal), d = "
    << c.d << ", SGD momentum " << c.momentum << ", lr " << c.lr << ", batch " << c.batch << " (thesis Fig 7.1)</text>\n";
  for (int p = 0; p < 3; ++p) {
    double lo = 1e300, hi = -1e300;
    for (const auto& r : rows) {
      double v = p == 0 ? r.train : p == 1 ? r.test : r.n1 + r.n2;
      if (p < 2) v = std::log10(std::max(v, 1e-300));
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const double x0 = pad + p * (W + pad), y0 = pad;
    o << "<rect x=\"" << x0 << "\" y=\"" << y0 << "\" width=\"" << W << "\" height=\"" << H
      << "\" fill=\"none\" stroke=\"#888\"/>\n";
    o << "<text x=\"" << x0 << "\" y=\"" << y0 - 8 << "\">" << titles[p] << "</text>\n";
    o << "<text x=\"" << x0 - 4 << "\" y=\"" << y0 + 10 << "\" text-anchor=\"end\">" << std::setprecision(3) << hi
      << "</text>\n";
    o << "<text x=\"" << x0 - 4 << "\" y=\"" << y0 + H << "\" text-anchor=\"end\">" << lo << "</text>\n";
    o << "<text x=\"" << x0 + W / 2 << "\" y=\"" << y0 + H + 16 << "\" text-anchor=\"middle\">epoch (0.."
      << c.epochs << ")</text>\n";
    for (std::size_t k = 0; k < c.lambdas.size(); ++k)
      o << polyline(rows, c.lambdas[k], p, x0, y0, W, H, c.epochs, lo, hi, p < 2) << " stroke=\"" << colors[k % 4]
        << "\"/>\n";
  }
  for (std::size_t k = 0; k < c.lambdas.size(); ++k)
    o << "<text x=\"" << pad + 110 * k << "\" y=\"" << H + 2 * pad + 20 << "\" fill=\"" << colors[k % 4]
      << "\">lambda = " << c.lambdas[k] << "</text>\n";
  o << "</svg>\n";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  auto usage = [] {
    std::cerr << "usage: relu_lu_experiment OUT_DIR [--d N] [--samples P] [--epochs E] [--eval-every K] [--seed S]\n";
    return 2;
  };
  if (argc < 2) return usage();
  c.out_dir = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const char* v = argv[++i];
    try {
      if (a == "--d") c.d = std::stoi(v);
      else if (a == "--samples") c.samples = std::stoi(v);
      else if (a == "--epochs") c.epochs = std::stoi(v);
      else if (a == "--seed") c.seed = static_cast<unsigned>(std::stoul(v));
      else if (a == "--eval-every") c.eval_every = std::stoi(v);
      else return usage();
    } catch (const std::exception&) {
      std::cerr << "relu_lu_experiment: bad value '" << v << "' for " << a << "\n";
      return 2;
    }
  }
  if (c.d < 2 || c.samples < 1 || c.epochs < 1 || c.eval_every < 1) {
    std::cerr << "relu_lu_experiment: need d >= 2, samples >= 1, epochs >= 1, eval-every >= 1\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(c.out_dir, ec);
  if (ec) {
    std::cerr << "relu_lu_experiment: cannot create " << c.out_dir << ": " << ec.message() << "\n";
    return 2;
  }
  // One thread: the matrices are small, and Eigen's OpenMP threads only
  // contend on a loaded machine.
  Eigen::setNbThreads(1);
  const auto t0 = std::chrono::steady_clock::now();
  Mat A = Mat::Zero(c.d, c.d);  // anti-diagonal identity: in cl(L_I) \ L_I (no LU, Thm 3.1.8)
  for (int i = 0; i < c.d; ++i) A(i, c.d - 1 - i) = 1;
  std::mt19937_64 g(c.seed + 7);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const Mat Xtr = Mat::NullaryExpr(c.d, c.samples, [&] { return u(g); });
  const Mat Xte = Mat::NullaryExpr(c.d, c.samples, [&] { return u(g); });
  const Mat Ytr = A * Xtr, Yte = A * Xte;
  std::vector<Row> rows;
  for (double lambda : c.lambdas) {
    auto r = train(c, lambda, Xtr, Ytr, Xte, Yte);
    const Row& last = r.back();
    std::printf("lambda = %-7g  epoch %d: train %.3e  test %.3e  ||W1||_F %.2f  ||W2||_F %.2f  (epoch %d: %.2f + %.2f)\n",
                lambda, last.epoch, last.train, last.test, last.n1, last.n2, r[r.size() / 2].epoch, r[r.size() / 2].n1,
                r[r.size() / 2].n2);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  const std::string csv = (std::filesystem::path(c.out_dir) / "curves.csv").string();
  std::ofstream f(csv);
  f << "lambda,epoch,train_relative_loss,test_relative_loss,norm_W1,norm_W2,norm_sum\n";
  f.precision(10);
  for (const auto& r : rows)
    f << r.lambda << "," << r.epoch << "," << r.train << "," << r.test << "," << r.n1 << "," << r.n2 << "," << r.n1 + r.n2
      << "\n";
  const std::string pic = (std::filesystem::path(c.out_dir) / "curves.svg").string();
  std::ofstream(pic) << svg(rows, c);
  if (!f || !std::ofstream(pic, std::ios::app)) {
    std::cerr << "relu_lu_experiment: could not write " << csv << " or " << pic << "\n";
    return 1;
  }
  std::printf("wrote %s and %s in %.1f s\n", csv.c_str(), pic.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}
