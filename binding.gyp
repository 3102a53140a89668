# node-gyp's view of the addon, for the tools that only speak node-gyp: prebuildify (`npm run prebuild`)
# and node-gyp-build's install-time fallback. It holds no second build description: its one action runs
# the CMake build (CMakeLists.txt, through cmake-js, with the LibTorch discovery order it implements) and
# places the result where node-gyp expects it.
{
  "targets": [
    {
      "target_name": "tsfm",
      "type": "none",
      "actions": [
        {
          "action_name": "cmake_js_build",
          "inputs": ["CMakeLists.txt"],
          "outputs": ["<(PRODUCT_DIR)/tsfm.node"],
          "action": ["node", "scripts/gyp-cmake.mjs", "<(PRODUCT_DIR)"]
        }
      ]
    }
  ]
}
