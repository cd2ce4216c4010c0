-- A headless Neovim 0.7 session against `testloop lsp --stdio`: opens src/cart.ts, starts the server with
-- vim.lsp.start_client (0.8+ has vim.lsp.start), waits for its diagnostics, then asks for the lenses and the
-- code action at line 10 (resolved for its edit), and writes what it got to TESTLOOP_NVIM_OUT as JSON.
local out = os.getenv('TESTLOOP_NVIM_OUT')
local function finish(result)
  local file = io.open(out, 'w')
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  vim.cmd('edit src/cart.ts')
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'testloop',
    cmd = { os.getenv('TESTLOOP_NODE'), os.getenv('TESTLOOP_BIN'), 'lsp', '--stdio' },
    root_dir = vim.fn.getcwd(),
    init_options = { base = 'main' },
  })
  vim.lsp.buf_attach_client(bufnr, client_id)
  local got = vim.wait(30000, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 50)
  local diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(diagnostics, { lnum = d.lnum, end_lnum = d.end_lnum, severity = d.severity, source = d.source, message = d.message })
  end
  table.sort(diagnostics, function(a, b)
    return a.message < b.message
  end)
  local client = vim.lsp.get_client_by_id(client_id)
  local uri = vim.uri_from_bufnr(bufnr)
  local lenses = client.request_sync('textDocument/codeLens', { textDocument = { uri = uri } }, 30000, bufnr)
  local titles = {}
  for _, lens in ipairs((lenses and lenses.result) or {}) do
    table.insert(titles, { line = lens.range.start.line, title = lens.command.title })
  end
  local actions = client.request_sync('textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = { line = 9, character = 2 }, ['end'] = { line = 9, character = 2 } },
    context = { diagnostics = {} },
  }, 30000, bufnr)
  local action = actions and actions.result and actions.result[1]
  local resolved = action and client.request_sync('codeAction/resolve', action, 60000, bufnr)
  finish({
    waited = got,
    diagnostics = diagnostics,
    lenses = titles,
    action = action and action.title or vim.NIL,
    edit = (resolved and resolved.result and resolved.result.edit) or vim.NIL,
  })
end)
if not ok then
  finish({ error = tostring(err) })
end
