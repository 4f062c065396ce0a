"""The targeted attack against an independently written PGD, on a separable set and on the demo."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from seein.compute.adversarial import runner_up, strip_activations, targeted_pgd


def _reference_pgd(model, x, target, eps, alpha, steps):
    """Madry et al.'s targeted PGD without random start, written from the formula:
    x_{t+1} = Proj_{B_inf(x0, eps) ∩ [0,1]}(x_t - alpha * sign(grad_x CE(f(x_t), target)))."""
    x0 = x.clone()
    xt = x.clone()
    out = []
    for _ in range(steps):
        xt = xt.detach().requires_grad_(True)
        loss = nn.CrossEntropyLoss()(model(xt), torch.tensor([target]))
        loss.backward()
        step = xt - alpha * xt.grad.sign()
        delta = torch.clamp(step - x0, min=-eps, max=eps)
        xt = torch.clamp(x0 + delta, min=0, max=1).detach()
        out.append(xt)
    return torch.cat(out)


def _separable(n=90, seed=0):
    """Three classes of 1x8x8 images: a bright bar on the left, in the middle or on the right."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    x = 0.1 * torch.rand(n, 1, 8, 8, generator=g)
    for i, c in enumerate(labels.tolist()):
        x[i, 0, :, 1 + 2 * c: 3 + 2 * c] += 0.8
    return x.clamp(0, 1), labels


@pytest.fixture(scope="module")
def small_net():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 36, 3))
    x, y = _separable()
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(60):
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    net.eval()
    assert (net(x).argmax(1) == y).float().mean() == 1.0
    return net


def test_matches_reference_pgd(small_net):
    x, _ = _separable(6, seed=1)
    for i in range(6):
        strip = targeted_pgd(small_net, x[i], (i + 1) % 3, steps=5, epsilon=0.3)
        ref = _reference_pgd(small_net, x[i:i + 1], (i + 1) % 3, 0.3, strip.step_size, 5)
        np.testing.assert_allclose(strip.images[1:], ref.numpy(), atol=1e-6)
        np.testing.assert_array_equal(strip.images[0], x[i].numpy())
        assert np.abs(strip.images - x[i].numpy()).max() <= 0.3 + 1e-6
        assert strip.images.min() >= 0 and strip.images.max() <= 1


def test_reaches_target_on_separable_set(small_net):
    x, y = _separable(30, seed=2)
    rises = []
    for i in range(30):
        target = (int(y[i]) + 1) % 3
        strip = targeted_pgd(small_net, x[i], target, steps=8, epsilon=0.6)
        assert strip.source_class == int(y[i])
        assert strip.reached, strip.to_json()
        rises.append(np.diff(strip.target_prob).mean())
        assert strip.target_prob[-1] > strip.target_prob[0]
    assert np.mean(rises) > 0


def test_default_target_is_runner_up(small_net):
    x, _ = _separable(3, seed=3)
    logits = small_net(x[:1])[0]
    strip = targeted_pgd(small_net, x[0], steps=2, epsilon=0.1)
    assert strip.target == runner_up(logits) == int(torch.argsort(logits)[-2])
    js = strip.to_json()
    assert [s["step"] for s in js["steps"]] == [0, 1, 2] and js["target"] == strip.target


def test_strip_activations_are_the_layer_outputs(small_net):
    x, _ = _separable(3, seed=4)
    strip = targeted_pgd(small_net, x[0], 1, steps=3, epsilon=0.2)
    acts = strip_activations(small_net, strip, "1")
    want = small_net[1](small_net[0](torch.from_numpy(strip.images))).flatten(1).detach().numpy()
    np.testing.assert_allclose(acts.reshape(len(want), -1), want, atol=1e-6)


def test_demo_images_mostly_reach_the_runner_up(demo_store):
    from seein.compute.adversarial import attack_store_image
    from seein.store import Store

    with Store.open(demo_store) as store:
        strips = [attack_store_image(store, i) for i in range(0, 200, 20)]
    assert sum(s.reached for s in strips) >= 8
    assert all(s.target != s.source_class for s in strips)
