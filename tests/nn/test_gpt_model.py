"""``nn.GPT``: the same numbers and gradients as the same transformer written in PyTorch, and its contract."""

import json
import math
import random

import pytest

import autograd
from nn import GPT, Adam, CharTokenizer, data
from nn import gpt as gpt_module

TOKENIZER = CharTokenizer("abcde")


def small(seed=0, **options):
    settings = dict(block_size=8, n_layer=2, n_embd=8, n_head=2)
    settings.update(options)
    return GPT(TOKENIZER, seed=seed, **settings)


def torch_loss(torch, model, sequence):
    """The loss of ``sequence`` computed in PyTorch from the model's weights, and the weight tensors."""
    weights = {}

    def matrix(rows, name):
        tensor = torch.tensor([[p.data for p in row] for row in rows], dtype=torch.float64, requires_grad=True)
        weights[name] = tensor
        return tensor

    def rmsnorm(x):
        return x / torch.sqrt((x * x).mean(dim=-1, keepdim=True) + gpt_module.RMS_EPS)

    wte, wpe, lm_head = matrix(model.wte, "wte"), matrix(model.wpe, "wpe"), matrix(model.lm_head, "lm_head")
    inputs, targets = sequence[:-1], sequence[1:]
    n = len(inputs)
    x = rmsnorm(wte[inputs] + wpe[:n])
    size = model.n_embd // model.n_head
    causal = torch.ones(n, n, dtype=torch.bool).tril()
    for i, block in enumerate(model.layers):
        w = {name: matrix(getattr(block, name), f"layers.{i}.{name}")
             for name in ("attn_wq", "attn_wk", "attn_wv", "attn_wo", "mlp_fc1", "mlp_fc2")}  # fmt: skip
        h = rmsnorm(x)
        q, k, v = h @ w["attn_wq"].T, h @ w["attn_wk"].T, h @ w["attn_wv"].T
        heads = []
        for head in range(model.n_head):
            part = slice(head * size, (head + 1) * size)
            scores = (q[:, part] @ k[:, part].T) / math.sqrt(size)
            heads.append(torch.softmax(scores.masked_fill(~causal, -math.inf), dim=-1) @ v[:, part])
        x = x + torch.cat(heads, dim=1) @ w["attn_wo"].T
        x = x + torch.relu(rmsnorm(x) @ w["mlp_fc1"].T) @ w["mlp_fc2"].T
    logits = x @ lm_head.T
    return torch.nn.functional.cross_entropy(logits, torch.tensor(targets)), weights


@pytest.mark.parametrize("text", ["a", "abcde", "eeddcc"])
def test_loss_and_every_gradient_match_pytorch(torch, text):
    model = small(seed=3)
    sequence = TOKENIZER.encode(text)
    loss = model.loss(sequence)
    loss.backward()
    theirs, weights = torch_loss(torch, model, sequence)
    theirs.backward()
    assert loss.data == pytest.approx(theirs.item(), rel=1e-12)
    for name, tensor in weights.items():
        ours = [p.grad for row in _rows(model, name) for p in row]
        assert ours == pytest.approx(tensor.grad.flatten().tolist(), rel=1e-9, abs=1e-12), name


def _rows(model, name):
    value = model
    for part in name.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


def test_attention_is_causal_a_later_token_changes_nothing_before_it():
    model = small()
    first = [z.data for row in model([5, 0, 1, 2]) for z in row][: 3 * 6]
    second = [z.data for row in model([5, 0, 1, 4]) for z in row][: 3 * 6]
    assert first == second  # the first three positions' scores do not see the fourth token
    weights = model.attention([5, 0, 1, 2])
    for layer in weights:
        for head in layer:
            for query, row in enumerate(head):
                assert sum(row) == pytest.approx(1.0)
                assert all(w == 0.0 for w in row[query + 1 :])


def test_reading_with_the_cache_equals_reading_the_whole_sequence():
    model = small()
    tokens = [5, 3, 1, 1, 0]
    whole = [[z.data for z in row] for row in model(tokens)]
    cache = model.new_cache()
    stepwise = [[z.data for z in model.next_logits(token, cache)] for token in tokens]
    assert stepwise == whole
    assert len(cache) == len(tokens)


def test_gradients_pass_gradcheck_on_a_tiny_model():
    model = GPT("ab", block_size=3, n_layer=1, n_embd=4, n_head=2, seed=1)
    block = model.layers[0]
    slots = [(model.wte, 0, 1), (model.wpe, 1, 2), (block.attn_wq, 0, 0), (block.attn_wk, 3, 1),
             (block.attn_wv, 2, 2), (block.mlp_fc1, 5, 2), (model.lm_head, 2, 3)]  # fmt: skip

    def loss(*values):  # the inputs take the place of the chosen parameters
        for (matrix, row, column), value in zip(slots, values):
            matrix[row][column] = value
        return model.loss([2, 0, 1, 2])

    assert autograd.gradcheck(loss, [autograd.Value(matrix[r][c].data) for matrix, r, c in slots])


def test_same_seed_same_weights_and_every_parameter_labelled_by_its_name():
    a, b, c = small(seed=7), small(seed=7), small(seed=8)
    assert a.state_dict() == b.state_dict() != c.state_dict()
    named = a.named_parameters()
    assert [p.label for _, p in named] == [name for name, _ in named]
    assert len({name for name, _ in named}) == len(named)
    assert named[0][0] == "wte.0.0" and named[-1][0] == f"lm_head.{TOKENIZER.vocab_size - 1}.7"
    assert "layers.1.attn_wq.3.5" in dict(named)
    # 6 tokens x 8 + 8 positions x 8 + 2 layers x (4 x 8x8 + 2 x 32x8) + head 6 x 8
    assert len(named) == 48 + 64 + 2 * (4 * 64 + 2 * 256) + 48


def test_microgpt_sized_model_has_its_parameter_count():
    model = GPT(CharTokenizer.from_texts(data.names()), seed=0)
    assert (model.block_size, model.n_layer, model.n_embd, model.n_head) == (16, 1, 16, 4)
    assert len(model.parameters()) == 27 * 16 + 16 * 16 + 4 * 16 * 16 + 2 * 64 * 16 + 27 * 16 == 4192


def test_save_and_load_give_the_same_model(tmp_path):
    model = small(seed=2)
    path = tmp_path / "gpt.json"
    model.save(path)
    document = json.loads(path.read_text())
    assert document["model"] == "GPT"
    assert document["config"] == {"tokenizer": "abcde", "block_size": 8, "n_layer": 2, "n_embd": 8, "n_head": 2}
    again = GPT.load(path)
    assert again.state_dict() == model.state_dict()
    assert again.tokenizer == model.tokenizer
    assert again.loss("abc").data == model.loss("abc").data
    assert again.sample(seed=4) == model.sample(seed=4)


def test_load_state_dict_checks_everything_first():
    model, other = small(seed=1), small(seed=2, n_layer=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match="does not fit the model"):
        model.load_state_dict(other.state_dict())
    assert model.state_dict() == before


def test_sampling_is_seeded_stops_at_the_boundary_and_respects_the_block():
    model = small(seed=5)
    assert model.sample(seed=1) == model.sample(seed=random.Random(1))
    texts = [model.sample(temperature=t, seed=s) for t in (0.5, 1.0, 2.0) for s in range(20)]
    assert all(set(text) <= set("abcde") and len(text) <= model.block_size for text in texts)
    assert len(set(texts)) > 5

    # a model that never predicts the boundary still stops at the end of the block
    def never_the_boundary(token, cache):
        *letters, _ = GPT.next_logits(model, token, cache)
        return [*letters, autograd.Value(-1e9)]

    model.next_logits = never_the_boundary
    assert len(model.sample(seed=0)) == model.block_size


def test_low_temperature_picks_the_likeliest_token():
    model = small(seed=5)
    with autograd.no_grad():
        scores = [z.data for z in model.next_logits(model.tokenizer.boundary, model.new_cache())]
    best = max(range(len(scores)), key=scores.__getitem__)
    first_letters = {model.sample(temperature=1e-3, seed=s)[:1] for s in range(10)}
    assert first_letters == {model.tokenizer.symbol(best) if best != model.tokenizer.boundary else ""}


def test_clear_errors_for_tokens_outside_the_vocabulary_and_too_long_sequences():
    model = small()
    with pytest.raises(ValueError, match="token 6 is outside the vocabulary"):
        model([5, 6])
    with pytest.raises(ValueError, match="token -1 is outside the vocabulary"):
        model.next_logits(-1, model.new_cache())
    with pytest.raises(ValueError, match="reading 9 tokens, more than the block"):
        model([0] * 9)
    with pytest.raises(ValueError, match="reading 9 tokens, more than the block"):
        model.loss("abcdeabc")  # 8 letters: 10 tokens, 9 to read
    model.loss("abcdeab")  # 7 letters: 9 tokens, 8 to read, as many as the block has positions
    cache = model.new_cache()
    for _ in range(8):
        model.next_logits(0, cache)
    with pytest.raises(ValueError, match="position 8 does not exist"):
        model.next_logits(0, cache)
    with pytest.raises(ValueError, match="'z'"):
        model.loss("az")
    with pytest.raises(ValueError, match="at least 2 tokens"):
        model.loss([5])
    with pytest.raises(TypeError, match="list of token ids"):
        model("abc")


@pytest.mark.parametrize(
    "options, error",
    [
        (dict(n_embd=10, n_head=4), "multiple of n_head"),
        (dict(n_layer=0), "n_layer must be at least 1"),
        (dict(block_size=2.5), "block_size must be an int"),
        (dict(init_std=0), "init_std"),
    ],
)
def test_bad_architectures_are_refused(options, error):
    with pytest.raises((ValueError, TypeError), match=error):
        GPT("abc", **options)


def test_bad_temperatures_are_refused():
    model = small()
    for temperature in (0, -1, math.inf, math.nan):
        with pytest.raises(ValueError, match="temperature"):
            model.sample(temperature=temperature)
    with pytest.raises(TypeError, match="temperature"):
        model.sample(temperature="hot")


def test_a_few_adam_steps_on_one_name_lower_its_loss():
    model = GPT(CharTokenizer.from_texts(data.names()), seed=0)
    optimizer = Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(15):
        loss = model.loss("emma")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    assert losses[0] == pytest.approx(math.log(27), rel=0.05)  # small weights: every token about equally likely
    assert losses[-1] < 0.5 * losses[0]
